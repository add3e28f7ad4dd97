#include "pg/lint.h"

#include <algorithm>
#include <set>

#include "pg/fragment.h"
#include "pg/sql_parse.h"
#include "pg/tables.h"

namespace schemashift::pg {

namespace {

using nlohmann::json;

const json kNone = json::object();
const json kNoList = json::array();

const json& field(const json& n, const char* key) {
  auto it = n.find(key);
  return it == n.end() ? kNone : *it;
}
const json& list(const json& n, const char* key) {
  auto it = n.find(key);
  return it == n.end() || !it->is_array() ? kNoList : *it;
}
// The body of a wrapped node of `type` ({"Constraint": {...}}), or an empty object.
const json& as(const json& n, const char* type) { return field(n, type); }

bool small(const std::vector<TableName>& tables, const TableSizes& sizes) {
  if (tables.empty()) return false;
  for (const auto& t : tables) {
    auto it = sizes.find(t.display());
    if (it == sizes.end() || it->second >= kSmallTable) return false;
  }
  return true;
}

std::string section_name(Section s) {
  switch (s) {
    case Section::kExpand:
      return "expand";
    case Section::kContract:
      return "contract";
    case Section::kRollback:
      return "rollback";
  }
  return "?";
}

// Defaults that make ADD COLUMN rewrite the table (and, for serial types, the implied nextval).
bool volatile_default(const json& column_def) {
  const auto type = name_parts(field(field(column_def, "typeName"), "names"));
  if (!type.empty() &&
      (type.back() == "serial" || type.back() == "bigserial" || type.back() == "smallserial" ||
       type.back() == "serial4" || type.back() == "serial8" || type.back() == "serial2"))
    return true;
  static const std::set<std::string> kVolatile = {"now",
                                                  "clock_timestamp",
                                                  "random",
                                                  "gen_random_uuid",
                                                  "nextval",
                                                  "timeofday",
                                                  "statement_timestamp",
                                                  "transaction_timestamp",
                                                  "uuid_generate_v1",
                                                  "uuid_generate_v1mc",
                                                  "uuid_generate_v4"};
  bool found = false;
  for (const auto& c : list(column_def, "constraints")) {
    const json& con = as(c, "Constraint");
    if (con.value("contype", "") != "CONSTR_DEFAULT") continue;
    visit(field(con, "raw_expr"), [&](const std::string& key, const json& n) {
      if (key == "FuncCall") {
        auto parts = name_parts(list(n, "funcname"));
        found |= !parts.empty() && kVolatile.count(parts.back());
      }
      if (key == "SQLValueFunction") found |= n.value("op", "") == "SVFOP_CURRENT_TIMESTAMP";
    });
    // Identity and stored generated columns are computed for every row.
  }
  for (const auto& c : list(column_def, "constraints")) {
    const std::string t = as(c, "Constraint").value("contype", "");
    found |= t == "CONSTR_GENERATED" || t == "CONSTR_IDENTITY";
  }
  return found;
}

bool has_constraint(const json& column_def, const char* contype) {
  const auto& cs = list(column_def, "constraints");
  return std::any_of(cs.begin(), cs.end(), [&](const json& c) {
    return as(c, "Constraint").value("contype", "") == contype;
  });
}

// CHECK (col IS NOT NULL): the column it is about, or "".
std::string not_null_check_column(const json& constraint) {
  if (constraint.value("contype", "") != "CONSTR_CHECK") return "";
  const json& test = as(field(constraint, "raw_expr"), "NullTest");
  if (test.value("nulltesttype", "") != "IS_NOT_NULL") return "";
  auto parts = name_parts(list(as(field(test, "arg"), "ColumnRef"), "fields"));
  return parts.size() == 1 ? parts[0] : "";
}

// What the section's earlier statements established about NOT NULL checks on each table.
struct NotNullChecks {
  std::map<std::pair<std::string, std::string>, std::string> unvalidated;  // (table, name) -> col
  std::set<std::pair<std::string, std::string>> validated;                 // (table, col)
};

class Linter {
 public:
  Linter(Section section, const TableSizes& sizes, std::vector<Finding>& out)
      : section_(section), sizes_(sizes), out_(out) {}

  void statement(const std::string& where, int location, const Statement& s) {
    where_ = where;
    location_ = location;
    small_ = small(tables_in(s), sizes_);
    const json& b = s.body();
    const std::string& type = s.type();
    if (auto f = forbidden_in(s.node)) add("forbidden-call", "the statement " + *f, false);
    if (type == "AlterTableStmt") alter_table(b);
    if (type == "IndexStmt" && !b.value("concurrent", false)) {
      add("index-without-concurrently",
          "CREATE INDEX without CONCURRENTLY blocks every write to the table while it builds; "
          "use CREATE INDEX CONCURRENTLY IF NOT EXISTS",
          true);
    }
    if (type == "DropStmt" && section_ == Section::kExpand) {
      const std::string kind = b.value("removeType", "");
      if (kind == "OBJECT_TABLE" || kind == "OBJECT_VIEW" || kind == "OBJECT_MATVIEW")
        drop_in_expand();
    }
    if (type == "RenameStmt" && section_ != Section::kRollback) {
      add("rename",
          "RENAME breaks every running query that uses the old name at once; add the new "
          "column or view, dual-write and switch readers instead",
          false);
    }
    const bool vacuum_full =
        type == "VacuumStmt" &&
        std::any_of(list(b, "options").begin(), list(b, "options").end(),
                    [](const json& o) { return as(o, "DefElem").value("defname", "") == "full"; });
    if (type == "LockStmt" || type == "ClusterStmt" || vacuum_full ||
        (type == "RefreshMatViewStmt" && !b.value("concurrent", false))) {
      add("long-held-lock",
          "LOCK TABLE, VACUUM FULL, CLUSTER and REFRESH MATERIALIZED VIEW hold strong locks for "
          "as long as they run; they do not belong in an online migration",
          true);
    }
  }

  void parse_error(const std::string& where, const ParseError& e, const std::string& sql) {
    out_.push_back(
        {"syntax-error", where, 0,
         "does not parse as PostgreSQL: " + e.message +
             (e.position >= 0 ? " (line " + std::to_string(line_at(sql, e.position)) + ")"
                              : std::string()) +
             "; it cannot be checked, so it is refused",
         true});
  }

 private:
  void add(const char* rule, const std::string& msg, bool size_matters) {
    const bool warn = size_matters && small_;
    out_.push_back({rule, where_, location_,
                    msg + (warn ? " (a warning only: the table is small)" : ""), !warn});
  }

  void drop_in_expand() {
    add("drop-in-expand",
        "a DROP in expand removes what running code may still read or write; drops belong in "
        "contract, after readers have switched",
        false);
  }

  void alter_table(const json& b) {
    const std::string table = TableName{field(b, "relation").value("schemaname", ""),
                                        field(b, "relation").value("relname", "")}
                                  .display();
    for (const auto& c : list(b, "cmds")) {
      const json& cmd = as(c, "AlterTableCmd");
      const std::string sub = cmd.value("subtype", "");
      const std::string name = cmd.value("name", "");
      const json& def = field(cmd, "def");
      if (sub == "AT_AlterColumnType") {
        add("rewrite-type-change",
            "ALTER COLUMN ... TYPE rewrites the whole table under an ACCESS EXCLUSIVE lock, and "
            "writers using the old type fail; add a new column, dual-write, backfill, verify and "
            "switch reads instead",
            true);
      }
      if (sub == "AT_AddColumn") {
        const json& col = as(def, "ColumnDef");
        if (volatile_default(col)) {
          add("volatile-default",
              "ADD COLUMN with a volatile DEFAULT rewrites the table under an ACCESS EXCLUSIVE "
              "lock; add the column without a default (or with a constant one) and backfill it",
              true);
        } else if (has_constraint(col, "CONSTR_NOTNULL") &&
                   !has_constraint(col, "CONSTR_DEFAULT")) {
          add("add-not-null-without-default",
              "ADD COLUMN ... NOT NULL without a DEFAULT fails on a table with rows; add it "
              "nullable, backfill, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET "
              "NOT NULL",
              false);
        }
      }
      if (sub == "AT_AddConstraint") {
        const json& con = as(def, "Constraint");
        const std::string type = con.value("contype", "");
        const bool not_valid = con.value("skip_validation", false);
        if (const std::string col = not_null_check_column(con); !col.empty()) {
          if (not_valid)
            checks_.unvalidated[{table, con.value("conname", "")}] = col;
          else
            checks_.validated.insert({table, col});
        }
        if ((type == "CONSTR_FOREIGN" || type == "CONSTR_CHECK") && !not_valid) {
          add("constraint-without-not-valid",
              "ADD CONSTRAINT ... " +
                  std::string(type == "CONSTR_FOREIGN" ? "FOREIGN KEY" : "CHECK") +
                  " validates every row while holding its lock; add it NOT VALID, then VALIDATE "
                  "CONSTRAINT in a later statement (which takes a weaker lock)",
              true);
        }
        if ((type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY" || type == "CONSTR_EXCLUSION") &&
            !con.contains("indexname")) {
          add("constraint-builds-index",
              "ADD UNIQUE, PRIMARY KEY or EXCLUDE builds its index while blocking every write; "
              "build a unique index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT "
              "... USING INDEX",
              true);
        }
      }
      if (sub == "AT_ValidateConstraint") {
        auto it = checks_.unvalidated.find({table, name});
        if (it != checks_.unvalidated.end()) checks_.validated.insert({table, it->second});
      }
      if (sub == "AT_SetNotNull" && !checks_.validated.count({table, name})) {
        add("set-not-null-without-check",
            "SET NOT NULL on \"" + name +
                "\" scans the whole table under an ACCESS EXCLUSIVE lock; first add CHECK (" +
                name + " IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT it in an earlier statement",
            true);
      }
      if (sub == "AT_DropColumn" && section_ == Section::kExpand) drop_in_expand();
    }
  }

  Section section_;
  const TableSizes& sizes_;
  std::vector<Finding>& out_;
  std::string where_;
  int location_ = 0;
  bool small_ = false;
  NotNullChecks checks_;
};

}  // namespace

std::vector<Finding> lint(Section section, const std::vector<std::string>& statements,
                          const TableSizes& sizes) {
  std::vector<Finding> out;
  Linter linter(section, sizes, out);
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const std::string& sql = statements[i];
    const std::string where = section_name(section) + ".sql[" + std::to_string(i) + "]";
    auto parsed = parse_sql(sql);
    if (!parsed) {
      linter.parse_error(where, parsed.error(), sql);
      continue;
    }
    for (std::size_t k = 0; k < parsed->size(); ++k) {
      const auto& s = (*parsed)[k];
      linter.statement(parsed->size() == 1
                           ? where
                           : where + " statement " + std::to_string(k + 1) + " (line " +
                                 std::to_string(line_at(sql, s.location)) + ")",
                       s.location, s);
    }
  }
  return out;
}

}  // namespace schemashift::pg
