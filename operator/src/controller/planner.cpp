#include "controller/planner.h"

#include <algorithm>
#include <set>

#include "pg/lint.h"
#include "pg/tables.h"

namespace schemashift::controller {

using migration::ActionKind;
using migration::Outcome;
using nlohmann::json;

TableResolution resolve_table(pqxx::transaction_base& tx, const pg::TableName& t) {
  auto r = tx.exec_params(
      "SELECT c.oid::pg_catalog.text, n.nspname, c.relname, "
      "greatest(c.reltuples, 0)::pg_catalog.int8 FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
      "WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1::pg_catalog.text)",
      t.quoted());
  if (!r.empty()) {
    return {{pg::TableName{r[0][1].as<std::string>(), r[0][2].as<std::string>()}.quoted(),
             r[0][0].as<std::string>()},
            r[0][3].as<std::int64_t>()};
  }
  std::string schema = t.schema;
  if (schema.empty()) {
    auto cs = tx.exec("SELECT pg_catalog.current_schema()");
    schema = cs[0][0].is_null() ? "public" : cs[0][0].as<std::string>();
  }
  return {{pg::TableName{schema, t.name}.quoted(), ""}, -1};
}

Outcome plan(pqxx::connection& conn, const std::string& migration, const std::string& uid,
             const migration::MigrationSpec& spec) {
  Outcome o{{ActionKind::kPlan}, true};
  pqxx::work tx(conn);
  // Every name the migration writes, resolved once; the written form is the key.
  std::map<std::string, TableResolution> resolved;
  auto resolve_written = [&](const pg::TableName& t) -> const TableResolution& {
    auto it = resolved.find(t.display());
    if (it == resolved.end()) it = resolved.emplace(t.display(), resolve_table(tx, t)).first;
    return it->second;
  };
  std::set<std::string> held_tables;  // resolved, for conflicts
  std::set<std::string> created_by_expand;
  for (const auto* list : {&spec.expand_sql, &spec.contract_sql, &spec.rollback_sql}) {
    for (const auto& sql : *list) {
      for (const auto& t : pg::tables_in(sql)) {
        const auto& r = resolve_written(t);
        if (list != &spec.rollback_sql) held_tables.insert(r.table.qualified);
        if (list == &spec.expand_sql) created_by_expand.insert(r.table.qualified);
      }
    }
  }
  if (spec.backfill) {
    if (auto t = pg::parse_table_name(spec.backfill->table)) {
      const auto& r = resolve_written(*t);
      held_tables.insert(r.table.qualified);
      // The table may only appear in expand (a new table): then it must be created there.
      if (r.table.oid.empty() && !created_by_expand.count(r.table.qualified)) {
        o.findings.push_back("spec.backfill.table: table " + spec.backfill->table +
                             " does not exist (resolved as " + r.table.qualified + ")");
      }
    }
  }
  // Trigger dual-write installs triggers on its table: no other migration may hold it.
  if (spec.dual_write.mode == migration::DualWriteMode::kTrigger) {
    if (auto t = pg::parse_table_name(spec.dual_write.table))
      held_tables.insert(resolve_written(*t).table.qualified);
  }
  for (const auto& c : spec.checksums) {
    if (auto t = pg::parse_table_name(c.table)) resolve_written(*t);
  }
  pg::TableSizes sizes;
  for (const auto& [written, r] : resolved) {
    if (r.rows >= 0) sizes[written] = r.rows;
  }
  for (auto [section, list] : {std::pair{pg::Section::kExpand, &spec.expand_sql},
                               std::pair{pg::Section::kContract, &spec.contract_sql},
                               std::pair{pg::Section::kRollback, &spec.rollback_sql}}) {
    for (const auto& f : pg::lint(section, *list, sizes)) {
      if (f.error) o.findings.push_back(f.describe());
    }
  }

  // Registration and the conflict check in one transaction that holds a lock only one planner
  // can have at a time: two migrations planned at the same moment cannot both pass.
  tx.exec0("SET LOCAL lock_timeout = '5s'");
  tx.exec0("LOCK TABLE schemashift.migrations IN SHARE ROW EXCLUSIVE MODE");
  const json tables(std::vector<std::string>(held_tables.begin(), held_tables.end()));
  auto held = tx.exec_params(
      "SELECT name, phase, pg_catalog.to_jsonb(ARRAY(SELECT pg_catalog.unnest(tables) "
      "INTERSECT SELECT pg_catalog.jsonb_array_elements_text($2::pg_catalog.jsonb))) "
      "FROM schemashift.migrations WHERE name OPERATOR(pg_catalog.<>) $1::pg_catalog.text "
      "AND tables OPERATOR(pg_catalog.&&) "
      "ARRAY(SELECT pg_catalog.jsonb_array_elements_text($2::pg_catalog.jsonb)) "
      "AND phase OPERATOR(pg_catalog.<>) ALL (ARRAY['Pending', 'Completed', 'RolledBack', "
      "'Failed']::pg_catalog.text[])",
      migration, tables.dump());
  for (const auto& row : held) {
    std::string names;  // stored quoted; shown as people write them
    for (const auto& q : json::parse(row[2].as<std::string>())) {
      auto t = pg::parse_table_name(q.get<std::string>());
      names += (names.empty() ? "" : ", ") + (t ? t->display() : q.get<std::string>());
    }
    o.findings.push_back("table " + names + " is held by migration " + row[0].as<std::string>() +
                         " (phase " + row[1].as<std::string>() + "); run them one after the other");
  }
  // A migration deleted and re-created under this name after the old one finished (Completed or
  // RolledBack) is a new one: what the old one applied and where its backfill stood are not
  // this one's. One re-created while the old one was still under way carries on from it, and
  // what the old one applied must match this manifest (the drift check below).
  if (!uid.empty()) {
    auto previous = tx.exec_params(
        "SELECT uid, phase FROM schemashift.migrations WHERE name OPERATOR(pg_catalog.=) "
        "$1::pg_catalog.text",
        migration);
    const bool finished = !previous.empty() && (previous[0][1].as<std::string>() == "Completed" ||
                                                previous[0][1].as<std::string>() == "RolledBack");
    if (finished && !previous[0][0].is_null() && previous[0][0].as<std::string>() != uid) {
      tx.exec_params(
          "DELETE FROM schemashift.applied_steps WHERE migration OPERATOR(pg_catalog.=) "
          "$1::pg_catalog.text",
          migration);
      tx.exec_params(
          "UPDATE schemashift.migrations SET checkpoint = '{}'::pg_catalog.jsonb WHERE name "
          "OPERATOR(pg_catalog.=) $1::pg_catalog.text",
          migration);
    }
    tx.exec_params(
        "UPDATE schemashift.migrations SET uid = $2::pg_catalog.text WHERE name "
        "OPERATOR(pg_catalog.=) $1::pg_catalog.text",
        migration, uid);
  }
  // What already ran under this name must still be what the manifest says.
  auto applied = tx.exec_params(
      "SELECT section, step, sql FROM schemashift.applied_steps WHERE migration "
      "OPERATOR(pg_catalog.=) $1::pg_catalog.text",
      migration);
  for (const auto& row : applied) {
    const std::string section = row[0].as<std::string>();
    const auto step = static_cast<std::size_t>(row[1].as<int>());
    const auto& list = section == "expand"     ? spec.expand_sql
                       : section == "contract" ? spec.contract_sql
                                               : spec.rollback_sql;
    if (step >= list.size() || list[step] != row[2].as<std::string>()) {
      o.findings.push_back(
          section + ".sql[" + std::to_string(step) + "] was applied as \"" +
          row[2].as<std::string>() + "\" but the manifest now says " +
          (step < list.size() ? "\"" + list[step] + "\"" : std::string("nothing")) +
          ": the applied SQL drifted from the manifest");
    }
  }
  json recorded = json::object();
  for (const auto& [written, r] : resolved)
    recorded[written] = {{"qualified", r.table.qualified}, {"oid", r.table.oid}};
  o.ok = o.findings.empty();
  // A passed plan marks the row at once, inside the lock: the next planner sees it as running.
  tx.exec_params(
      "UPDATE schemashift.migrations SET tables = ARRAY(SELECT "
      "pg_catalog.jsonb_array_elements_text($2::pg_catalog.jsonb)), checkpoint = "
      "pg_catalog.jsonb_set(checkpoint, '{plan}'::pg_catalog.text[], $3::pg_catalog.jsonb), "
      "phase = CASE WHEN $4::pg_catalog.bool THEN 'Planned' ELSE phase END, "
      "updated_at = pg_catalog.now() WHERE name OPERATOR(pg_catalog.=) $1::pg_catalog.text",
      migration, tables.dump(), json{{"tables", recorded}}.dump(), o.ok);
  tx.commit();
  o.plan_hash = migration::plan_hash(spec);
  o.retriable = false;
  return o;
}

std::optional<ResolvedTable> resolved_table(pqxx::connection& conn, const std::string& migration,
                                            const std::string& written) {
  auto t = pg::parse_table_name(written);
  if (!t) return std::nullopt;
  pqxx::nontransaction nt(conn);
  auto r = nt.exec_params(
      "SELECT checkpoint OPERATOR(pg_catalog.#>>) ARRAY['plan', 'tables', $2::pg_catalog.text, "
      "'qualified'], checkpoint OPERATOR(pg_catalog.#>>) ARRAY['plan', 'tables', "
      "$2::pg_catalog.text, 'oid'] FROM schemashift.migrations "
      "WHERE name OPERATOR(pg_catalog.=) $1::pg_catalog.text",
      migration, t->display());
  if (r.empty() || r[0][0].is_null()) return std::nullopt;
  return ResolvedTable{r[0][0].as<std::string>(),
                       r[0][1].is_null() ? "" : r[0][1].as<std::string>()};
}

}  // namespace schemashift::controller
