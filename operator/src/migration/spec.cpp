#include "migration/spec.h"

#include <openssl/evp.h>

#include <algorithm>
#include <regex>

#include "gates/gate_params.h"
#include "migration/layers_spec.h"
#include "migration/spec_reader.h"
#include "pg/fragment.h"
#include "pg/sql_parse.h"
#include "pg/tables.h"

namespace schemashift::migration {

namespace {

using nlohmann::json;

const std::regex kDuration("^([0-9]+)(ms|s|m)$");

// keyColumn: id, or keyColumns: [a, b]; names as SQL writes them. Returns the exact names.
std::vector<std::string> key_columns(Reader& r, const json& parent, const std::string& path) {
  std::vector<std::string> out;
  auto list = parent.find("keyColumns");
  const bool has_list = list != parent.end() && !list->is_null();
  const bool has_one = parent.contains("keyColumn") && !parent["keyColumn"].is_null();
  if (has_list && has_one) {
    r.error(path + ".keyColumns", "give keyColumn or keyColumns, not both");
    return out;
  }
  std::vector<std::pair<std::string, std::string>> names;  // (field path, text)
  if (has_list) {
    if (!list->is_array() || list->empty()) {
      r.error(path + ".keyColumns", "must be a non-empty list of column names");
      return out;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string p = path + ".keyColumns[" + std::to_string(i) + "]";
      if (!(*list)[i].is_string()) {
        r.error(p, "must be a string");
        continue;
      }
      names.emplace_back(p, (*list)[i].get<std::string>());
    }
  } else {
    const std::string one = r.str(parent, "keyColumn", path + ".keyColumn", true);
    if (!one.empty()) names.emplace_back(path + ".keyColumn", one);
  }
  for (const auto& [p, text] : names) {
    auto c = pg::parse_column_name(text);
    if (!c) {
      r.error(p, c.error());
      continue;
    }
    if (std::find(out.begin(), out.end(), *c) != out.end()) {
      r.error(p, "names column " + text + " twice");
      continue;
    }
    out.push_back(*c);
  }
  return out;
}

void check_table(Reader& r, const std::string& text, const std::string& path) {
  if (text.empty()) return;
  if (auto t = pg::parse_table_name(text); !t) r.error(path, t.error());
}

// A column as SQL writes it (quoted to keep case), unquoted for quote_name; refused by path.
std::string column_name(Reader& r, const std::string& text, const std::string& path) {
  if (text.empty()) return text;
  auto c = pg::parse_column_name(text);
  if (!c) {
    r.error(path, c.error());
    return text;
  }
  return *c;
}

void check_expression(Reader& r, const std::string& text, const std::string& path) {
  if (text.empty()) return;
  if (auto why = pg::check_expression(text)) r.error(path, *why);
}

// A verify check is one query that reads: a SELECT (or VALUES/TABLE), nothing that writes.
void check_query(Reader& r, const std::string& sql, const std::string& path) {
  if (sql.empty()) return;
  auto parsed = pg::parse_sql(sql);
  if (!parsed) {
    r.error(path, "does not parse as PostgreSQL: " + parsed.error().message);
    return;
  }
  if (parsed->size() != 1 || (*parsed)[0].type() != "SelectStmt") {
    r.error(path, "must be one SELECT returning the value to compare");
    return;
  }
  bool writes = false;
  pg::visit((*parsed)[0].node, [&](const std::string& key, const json& n) {
    writes |= key == "InsertStmt" || key == "UpdateStmt" || key == "DeleteStmt" ||
              key == "MergeStmt" || (key == "lockingClause" && !n.empty());
  });
  if (writes) {
    r.error(path, "must only read: no INSERT, UPDATE, DELETE, MERGE or FOR UPDATE");
    return;
  }
  if (auto why = pg::forbidden_in((*parsed)[0].node)) r.error(path, *why);
}

bool annotation_true(const json& meta, const std::string& key) {
  auto a = meta.find("annotations");
  if (a == meta.end() || !a->is_object()) return false;
  auto it = a->find(key);
  return it != a->end() && it->is_string() && (*it == "true" || *it == "yes");
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(const std::string& s) {
  std::smatch m;
  if (!std::regex_match(s, m, kDuration)) return std::nullopt;
  const long long n = std::stoll(m[1].str());
  const std::string unit = m[2].str();
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  return std::chrono::milliseconds(n * 60000);
}

Result<MigrationSpec, std::vector<FieldError>> parse_spec(const json& object) {
  std::vector<FieldError> errors;
  Reader r(errors);
  MigrationSpec spec;
  const json empty = json::object();
  const json& meta =
      object.contains("metadata") && object["metadata"].is_object() ? object["metadata"] : empty;
  spec.generation = meta.value("generation", std::int64_t{0});
  auto sit = object.find("spec");
  if (sit == object.end() || !sit->is_object()) {
    return fail(std::vector<FieldError>{{"spec", "is required"}});
  }
  const json& s = *sit;

  read_database(r, s, spec);
  read_targets(r, s, spec);

  auto section = [&](const char* key) -> const json& {
    auto it = s.find(key);
    return it != s.end() && it->is_object() ? *it : empty;
  };
  spec.expand_sql = r.sql_list(section("expand"), "sql", "spec.expand.sql");
  spec.contract_sql = r.sql_list(section("contract"), "sql", "spec.contract.sql");
  spec.rollback_sql = r.sql_list(section("rollback"), "sql", "spec.rollback.sql");
  const std::string approval =
      r.str(section("contract"), "approval", "spec.contract.approval", false, "Manual");
  if (approval == "Auto") {
    spec.approval = Approval::kAuto;
  } else if (approval != "Manual") {
    r.error("spec.contract.approval", "must be Manual or Auto, not \"" + approval + "\"");
  }

  if (s.contains("backfill") && !s["backfill"].is_null()) {
    const json& b = section("backfill");
    BackfillSpec bf;
    bf.table = r.str(b, "table", "spec.backfill.table", true);
    bf.key_column = r.str(b, "keyColumn", "spec.backfill.keyColumn", false);
    bf.key_columns = key_columns(r, b, "spec.backfill");
    bf.set = r.str(b, "set", "spec.backfill.set", true);
    bf.pending_where = r.str(b, "pendingWhere", "spec.backfill.pendingWhere", false);
    check_table(r, bf.table, "spec.backfill.table");
    if (!bf.set.empty()) {
      if (auto why = pg::check_set_list(bf.set, bf.key_columns)) r.error("spec.backfill.set", *why);
    }
    check_expression(r, bf.pending_where, "spec.backfill.pendingWhere");
    bf.target_batch_duration = r.duration(
        b, "targetBatchDuration", "spec.backfill.targetBatchDuration", bf.target_batch_duration);
    bf.min_batch = r.integer(b, "minBatch", "spec.backfill.minBatch", bf.min_batch, 1, 1000000);
    bf.max_batch = r.integer(b, "maxBatch", "spec.backfill.maxBatch", bf.max_batch, 1, 1000000);
    if (bf.min_batch > bf.max_batch) r.error("spec.backfill.minBatch", "must not exceed maxBatch");
    if (auto d = b.find("dutyCycle"); d != b.end() && !d->is_null()) {
      if (!d->is_number() || d->get<double>() < 0.05 || d->get<double>() > 1) {
        r.error("spec.backfill.dutyCycle", "must be a number from 0.05 to 1");
      } else {
        bf.duty_cycle = d->get<double>();
      }
    }
    spec.backfill = bf;
  }

  if (auto c = section("verify").find("checks"); c != section("verify").end() && c->is_array()) {
    for (std::size_t i = 0; i < c->size(); ++i) {
      const std::string p = "spec.verify.checks[" + std::to_string(i) + "]";
      const json& item = (*c)[i];
      spec.checks.push_back({r.str(item, "name", p + ".name", true),
                             r.str(item, "sql", p + ".sql", true),
                             r.str(item, "expect", p + ".expect", false, "0")});
      check_query(r, spec.checks.back().sql, p + ".sql");
    }
  }

  if (auto g = s.find("gates"); g != s.end()) {
    std::vector<std::string> gate_errors;
    spec.gates = gates::parse_gates(*g, gate_errors);
    for (auto& e : gate_errors) {
      const auto colon = e.find(": ");
      r.error(e.substr(0, colon), e.substr(colon + 2));
    }
  }
  if (auto c = section("verify").find("checksums"); c != section("verify").end() && c->is_array()) {
    for (std::size_t i = 0; i < c->size(); ++i) {
      const std::string p = "spec.verify.checksums[" + std::to_string(i) + "]";
      const json& item = (*c)[i];
      VerifyChecksum v{r.str(item, "name", p + ".name", true),
                       r.str(item, "table", p + ".table", true),
                       r.str(item, "keyColumn", p + ".keyColumn", false),
                       r.str(item, "old", p + ".old", true),
                       r.str(item, "new", p + ".new", true),
                       key_columns(r, item, p)};
      check_table(r, v.table, p + ".table");
      check_expression(r, v.old_expr, p + ".old");
      check_expression(r, v.new_expr, p + ".new");
      spec.checksums.push_back(std::move(v));
    }
  }
  if (auto f = section("verify").find("foreignKeys");
      f != section("verify").end() && !f->is_null()) {
    if (!f->is_array()) r.error("spec.verify.foreignKeys", "must be a list");
    for (std::size_t i = 0; f->is_array() && i < f->size(); ++i) {
      const std::string p = "spec.verify.foreignKeys[" + std::to_string(i) + "]";
      const json& item = (*f)[i];
      VerifyForeignKey v;
      v.name = r.str(item, "name", p + ".name", true);
      auto side = [&](const char* key, std::string& table, std::string& column,
                      std::vector<std::string>& columns) {
        const std::string sp = p + "." + key;
        auto it = item.find(key);
        if (it == item.end() || !it->is_object()) {
          r.error(sp, "is required: table, key and optionally columns");
          return;
        }
        table = r.str(*it, "table", sp + ".table", true);
        column = r.str(*it, "key", sp + ".key", true);
        check_table(r, table, sp + ".table");
        column = column_name(r, column, sp + ".key");
        if (auto c = it->find("columns"); c != it->end() && !c->is_null()) {
          for (std::size_t j = 0; c->is_array() && j < c->size(); ++j) {
            const auto& col = (*c)[j];
            const std::string cp = sp + ".columns[" + std::to_string(j) + "]";
            if (!col.is_string()) {
              r.error(cp, "must be a column name");
              continue;
            }
            columns.push_back(column_name(r, col.get<std::string>(), cp));
          }
          if (!c->is_array()) r.error(sp + ".columns", "must be a list of column names");
        }
      };
      side("parent", v.parent_table, v.parent_key, v.parent_columns);
      side("child", v.child_table, v.child_key, v.child_columns);
      if (v.child_columns.empty()) v.child_columns = v.parent_columns;
      if (v.child_columns.size() != v.parent_columns.size())
        r.error(p + ".child.columns", "must name as many columns as parent.columns");
      spec.foreign_keys.push_back(std::move(v));
    }
  }
  if (auto d = s.find("dualWrite"); d != s.end() && !d->is_null()) {
    const std::string p = "spec.dualWrite";
    if (!d->is_object()) r.error(p, "must be an object");
    const json& dw = d->is_object() ? *d : empty;
    const std::string mode = r.str(dw, "mode", p + ".mode", false, "flags");
    if (mode == "trigger") {
      auto& w = spec.dual_write;
      w.mode = DualWriteMode::kTrigger;
      w.table = r.str(dw, "table", p + ".table", !spec.backfill,
                      spec.backfill ? spec.backfill->table : std::string());
      w.old_column = r.str(dw, "oldColumn", p + ".oldColumn", true);
      w.new_column = r.str(dw, "newColumn", p + ".newColumn", true);
      w.up = r.str(dw, "up", p + ".up", true);
      w.down = r.str(dw, "down", p + ".down", true);
      check_table(r, w.table, p + ".table");
      for (auto [field, col] :
           {std::pair{".oldColumn", &w.old_column}, std::pair{".newColumn", &w.new_column}})
        *col = column_name(r, *col, p + field);
      if (!w.old_column.empty() && w.old_column == w.new_column)
        r.error(p + ".newColumn", "must differ from oldColumn");
      for (auto [field, expr] : {std::pair{".up", &w.up}, std::pair{".down", &w.down}}) {
        // One expression, embedded in the trigger function's body: nothing that ends it.
        if (expr->find(';') != std::string::npos || expr->find('$') != std::string::npos)
          r.error(p + field, "must be a single expression (no ';' or '$')");
      }
    } else if (mode != "flags") {
      r.error(p + ".mode", "must be flags or trigger, not \"" + mode + "\"");
    }
  }
  read_api(r, s, spec);
  read_events(r, s, spec);
  if (spec.expand_sql.empty() && !spec.backfill && spec.contract_sql.empty() &&
      spec.targets.empty() && !spec.api && !spec.events) {
    r.error("spec",
            "has nothing to do: give expand.sql, backfill, contract.sql, targets, api or events");
  }
  check_layers(r, spec);
  if (!spec.expand_sql.empty() && spec.rollback_sql.empty()) {
    r.error("spec.rollback.sql",
            "is required when expand.sql is given: rollback must undo the expansion");
  }
  spec.paused =
      r.boolean(s, "paused", "spec.paused") || annotation_true(meta, "schemashift.io/paused");
  spec.approve =
      r.boolean(s, "approve", "spec.approve") || annotation_true(meta, "schemashift.io/approve");
  spec.abort = r.boolean(s, "abort", "spec.abort") || annotation_true(meta, "schemashift.io/abort");
  if (!errors.empty()) return fail(std::move(errors));
  return spec;
}

std::string plan_hash(const MigrationSpec& spec) {
  json steps = {{"expand", spec.expand_sql},
                {"contract", spec.contract_sql},
                {"rollback", spec.rollback_sql}};
  if (spec.backfill) {
    steps["backfill"] = {spec.backfill->table, spec.backfill->key_column, spec.backfill->set,
                         spec.backfill->pending_where};
    // keyColumns joins the hash only when given, so plans written with keyColumn keep theirs.
    if (spec.backfill->key_column.empty()) steps["backfill"].push_back(spec.backfill->key_columns);
  }
  for (const auto& c : spec.checks) steps["verify"].push_back({c.name, c.sql, c.expect});
  for (const auto& c : spec.checksums) {
    json one = {c.name, c.table, c.key_column, c.old_expr, c.new_expr};
    if (c.key_column.empty()) one.push_back(c.key_columns);
    steps["checksums"].push_back(std::move(one));
  }
  for (const auto& f : spec.foreign_keys) {
    steps["foreignKeys"].push_back({f.name, f.parent_table, f.parent_key, f.parent_columns,
                                    f.child_table, f.child_key, f.child_columns});
  }
  if (spec.dual_write.mode == DualWriteMode::kTrigger) {
    const auto& w = spec.dual_write;
    steps["dualWrite"] = {"trigger", w.table, w.old_column, w.new_column, w.up, w.down};
  }
  // The event schema joins only when given (plans without events keep their hashes). The
  // contract schema stays out: it may be corrected after the registry refused it.
  if (spec.events) steps["events"] = {spec.events->subject, spec.events->schema.schema};
  const std::string text = steps.dump();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 8; ++i) {  // 16 hex digits are plenty to notice a change
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

}  // namespace schemashift::migration
