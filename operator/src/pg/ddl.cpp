#include "pg/ddl.h"

#include <optional>
#include <random>
#include <regex>
#include <thread>

#include "common/failpoint.h"
#include "pg/fence.h"
#include "pg/sql_parse.h"
#include "pg/tables.h"

namespace schemashift::pg {

namespace {

using Clock = std::chrono::steady_clock;

// Only for SQL the parser cannot read (lint refuses it at plan, so it rarely gets here).
const std::regex kConcurrently(R"(\bconcurrently\b)", std::regex::icase);

bool retriable_state(const std::string& s) {
  return s == "55P03"      // lock_not_available
         || s == "40P01"   // deadlock_detected
         || s == "40001"   // serialization_failure
         || s == "57014";  // query_canceled (statement_timeout on a CONCURRENTLY wait)
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

// Who holds locks that conflict with ours right now (for the report).
std::vector<std::string> blockers(pqxx::connection& conn) {
  std::vector<std::string> out;
  try {
    pqxx::nontransaction nt(conn);
    auto r = nt.exec(
        "SELECT a.pid, coalesce(a.application_name, ''), "
        "(pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start)::pg_catalog.text, "
        "pg_catalog.\"left\"(a.query, 80) "
        "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a "
        "ON a.pid OPERATOR(pg_catalog.=) l.pid "
        "WHERE l.granted AND l.relation IS NOT NULL "
        "AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
        "AND a.xact_start IS NOT NULL "
        "AND l.mode OPERATOR(pg_catalog.=) ANY (ARRAY["
        "'AccessShareLock','RowShareLock','RowExclusiveLock','ShareUpdateExclusiveLock',"
        "'ShareLock','ShareRowExclusiveLock','ExclusiveLock','AccessExclusiveLock']"
        "::pg_catalog.text[]) "
        "AND pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start OPERATOR(pg_catalog.>) "
        "interval '50 ms' ORDER BY a.xact_start LIMIT 3");
    for (const auto& row : r) {
      out.push_back("pid " + row[0].as<std::string>() + " (" + row[1].as<std::string>() +
                    ", in a transaction for " + row[2].as<std::string>() +
                    "): " + row[3].as<std::string>());
    }
  } catch (const std::exception&) {
  }
  return out;
}

// The index a CREATE INDEX CONCURRENTLY names, schema-qualified like its table ("" if unnamed).
std::string concurrent_index(const std::string& sql) {
  auto parsed = parse_sql(sql);
  if (!parsed || parsed->size() != 1 || (*parsed)[0].type() != "IndexStmt") return "";
  const auto& b = (*parsed)[0].body();
  const std::string idx = b.value("idxname", "");
  if (idx.empty() || !b.contains("relation")) return "";
  return TableName{b["relation"].value("schemaname", ""), idx}.quoted();
}

void drop_invalid_index(pqxx::connection& conn, const std::string& sql) {
  const std::string name = concurrent_index(sql);
  if (name.empty()) return;
  pqxx::nontransaction nt(conn);
  auto r = nt.exec(
      "SELECT NOT i.indisvalid FROM pg_catalog.pg_index i WHERE i.indexrelid "
      "OPERATOR(pg_catalog.=) pg_catalog.to_regclass(" +
      nt.quote(name) + "::pg_catalog.text)");
  if (!r.empty() && r[0][0].as<bool>()) nt.exec0("DROP INDEX CONCURRENTLY IF EXISTS " + name);
}

// The step's record, written in `tx` (the statement's own transaction where it has one).
void record_step(pqxx::transaction_base& tx, const std::string& sql, const DdlConfig& cfg) {
  tx.exec_params(
      "INSERT INTO schemashift.applied_steps (migration, section, step, sql_hash, sql, epoch, "
      "migration_uid) VALUES ($1, $2, $3, pg_catalog.md5($4::pg_catalog.text), $4, $5, "
      "CASE WHEN $6::pg_catalog.text OPERATOR(pg_catalog.=) ''::pg_catalog.text THEN NULL ELSE $6 "
      "END) ON CONFLICT (migration, section, step) DO "
      "NOTHING",
      cfg.migration, cfg.section, cfg.step, sql, cfg.epoch, cfg.uid);
}

// The SQL recorded for this step, if it was recorded.
std::optional<std::string> recorded_sql(pqxx::connection& conn, const DdlConfig& cfg) {
  pqxx::nontransaction nt(conn);
  auto r = nt.exec_params(
      "SELECT sql FROM schemashift.applied_steps WHERE migration OPERATOR(pg_catalog.=) "
      "$1::pg_catalog.text AND section OPERATOR(pg_catalog.=) $2::pg_catalog.text AND step "
      "OPERATOR(pg_catalog.=) $3::pg_catalog.int4",
      cfg.migration, cfg.section, cfg.step);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

// Whether a CONCURRENTLY statement already took effect: CREATE INDEX's index exists and is
// valid, DROP INDEX's is gone. Other CONCURRENTLY forms (REINDEX, REFRESH MATERIALIZED VIEW,
// DETACH PARTITION) are not judged and run again.
bool concurrently_took_effect(pqxx::connection& conn, const std::string& sql) {
  auto parsed = parse_sql(sql);
  if (!parsed || parsed->size() != 1) return false;
  const auto& s = (*parsed)[0];
  pqxx::nontransaction nt(conn);
  if (s.type() == "IndexStmt") {
    const std::string name = concurrent_index(sql);
    if (name.empty()) return false;
    auto r = nt.exec(
        "SELECT i.indisvalid FROM pg_catalog.pg_index i WHERE i.indexrelid "
        "OPERATOR(pg_catalog.=) pg_catalog.to_regclass(" +
        nt.quote(name) + "::pg_catalog.text)");
    return !r.empty() && r[0][0].as<bool>();
  }
  if (s.type() == "DropStmt" && s.body().value("removeType", "") == "OBJECT_INDEX") {
    const auto& objects = s.body().value("objects", nlohmann::json::array());
    if (objects.size() != 1) return false;
    std::vector<std::string> parts;
    for (const auto& item : objects[0]
                                .value("List", nlohmann::json::object())
                                .value("items", nlohmann::json::array())) {
      parts.push_back(item.value("String", nlohmann::json::object()).value("sval", ""));
    }
    if (parts.empty() || parts.size() > 2) return false;
    const TableName idx =
        parts.size() == 2 ? TableName{parts[0], parts[1]} : TableName{"", parts[0]};
    auto r = nt.exec("SELECT pg_catalog.to_regclass(" + nt.quote(idx.quoted()) +
                     "::pg_catalog.text) IS NULL");
    return r[0][0].as<bool>();
  }
  return false;
}

}  // namespace

bool is_concurrently(const std::string& sql) {
  auto parsed = parse_sql(sql);
  if (!parsed) return std::regex_search(sql, kConcurrently);
  // CREATE/DROP INDEX, REFRESH MATERIALIZED VIEW, DETACH PARTITION ... CONCURRENTLY carry a
  // "concurrent" flag; REINDEX (CONCURRENTLY) an option. A comment saying it is not enough.
  bool found = false;
  for (const auto& s : *parsed) {
    visit(s.node, [&](const std::string& key, const nlohmann::json& n) {
      found |= n.value("concurrent", false) ||
               (key == "DefElem" && n.value("defname", "") == "concurrently");
    });
    found |= s.body().value("concurrent", false);
  }
  return found;
}

Result<DdlReport, DdlError> apply_ddl(pqxx::connection& conn, const std::string& sql,
                                      const DdlConfig& cfg) {
  DdlReport report;
  const auto start = Clock::now();
  std::mt19937 rng{std::random_device{}()};
  auto backoff = cfg.base_backoff;
  const bool concurrently = is_concurrently(sql);
  const bool recorded = !cfg.section.empty();
  if (recorded) {
    if (auto before = recorded_sql(conn, cfg)) {
      if (*before != sql) {
        return fail(DdlError{cfg.section + ".sql[" + std::to_string(cfg.step) +
                                 "] was applied as \"" + *before + "\" but is now \"" + sql +
                                 "\": the applied SQL drifted from the manifest",
                             "", false, report});
      }
      report.already_applied = true;  // done before a crash or a lost status write
      return report;
    }
  }
  while (true) {
    ++report.attempts;
    std::string state, message;
    try {
      if (concurrently) {
        {
          pqxx::work tx(conn);
          Fence::check(tx, cfg.migration, cfg.epoch);
          tx.commit();
        }
        if (recorded && concurrently_took_effect(conn, sql)) {
          // It ran before, and the process stopped before recording it.
          pqxx::work tx(conn);
          Fence::check(tx, cfg.migration, cfg.epoch);
          record_step(tx, sql, cfg);
          tx.commit();
          report.already_applied = true;
          return report;
        }
        {
          pqxx::nontransaction nt(conn);
          nt.exec0("SET lock_timeout = '" + ms(cfg.lock_timeout) + "'");
          // No statement_timeout: building the index takes as long as the table needs, and it
          // blocks no writer meanwhile (ShareUpdateExclusiveLock). lock_timeout still applies.
          nt.exec0("SET statement_timeout = 0");
          try {
            nt.exec0(sql);
          } catch (...) {
            nt.exec0("RESET lock_timeout");
            nt.exec0("RESET statement_timeout");
            throw;
          }
          nt.exec0("RESET lock_timeout");
          nt.exec0("RESET statement_timeout");
        }
        failpoint("concurrently.after-run");
        if (recorded) {
          pqxx::work tx(conn);
          Fence::check(tx, cfg.migration, cfg.epoch);
          record_step(tx, sql, cfg);
          tx.commit();
          failpoint(cfg.section + ".after-commit");
        }
      } else {
        pqxx::work tx(conn);
        tx.exec0("SET LOCAL lock_timeout = '" + ms(cfg.lock_timeout) + "'");
        tx.exec0("SET LOCAL statement_timeout = '" + ms(cfg.statement_timeout) + "'");
        Fence::check(tx, cfg.migration, cfg.epoch);
        tx.exec0(sql);
        if (recorded) {
          record_step(tx, sql, cfg);
          failpoint(cfg.section + ".before-commit");
        }
        tx.commit();
        if (recorded) failpoint(cfg.section + ".after-commit");
      }
      report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      return report;
    } catch (const FencedOut&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      state = e.sqlstate();
      message = e.what();
    } catch (const pqxx::broken_connection& e) {
      return fail(DdlError{std::string("connection lost: ") + e.what(), "08006", true, report});
    }
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    if (!retriable_state(state)) return fail(DdlError{message, state, false, report});
    if (state == "55P03" && report.blockers.empty()) report.blockers = blockers(conn);
    if (concurrently) drop_invalid_index(conn, sql);
    const auto elapsed = Clock::now() - start;
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    const auto wait = std::chrono::milliseconds(
        static_cast<long long>(static_cast<double>(backoff.count()) * jitter(rng)));
    if (elapsed + wait >= cfg.budget) {
      report.took = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);
      std::string why = "lock not granted within " + ms(cfg.lock_timeout) + " in " +
                        std::to_string(report.attempts) + " attempts over " + ms(report.took);
      if (state != "55P03") why = message + " (" + std::to_string(report.attempts) + " attempts)";
      for (const auto& b : report.blockers) why += "; blocked by " + b;
      return fail(DdlError{why, state, true, report});
    }
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, cfg.max_backoff);
  }
}

std::vector<std::string> long_transactions_on(pqxx::connection& conn, const std::string& table,
                                              std::chrono::seconds min_age) {
  pqxx::nontransaction nt(conn);
  auto r = nt.exec_params(
      "SELECT a.pid, coalesce(a.application_name, ''), "
      "pg_catalog.date_trunc('second', pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start)"
      "::pg_catalog.text, pg_catalog.\"left\"(a.query, 80) "
      "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a "
      "ON a.pid OPERATOR(pg_catalog.=) l.pid "
      "WHERE l.relation OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1::pg_catalog.text) "
      "AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
      "AND pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start OPERATOR(pg_catalog.>) "
      "pg_catalog.make_interval(secs => $2::pg_catalog.float8) ORDER BY a.xact_start",
      table, static_cast<double>(min_age.count()));
  std::vector<std::string> out;
  for (const auto& row : r) {
    out.push_back("pid " + row[0].as<std::string>() + " (" + row[1].as<std::string>() + ", " +
                  row[2].as<std::string>() + "): " + row[3].as<std::string>());
  }
  return out;
}

}  // namespace schemashift::pg
