#include "pg/lint.h"

#include <algorithm>
#include <regex>

namespace schemashift::pg {

namespace {

using std::regex;
constexpr auto kI = std::regex::icase;

// A table name: optionally schema-qualified, each part optionally quoted.
const std::string kTableName = R"re(((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?))re";
const regex kAlterTable(R"re(\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?)re" + kTableName,
                        kI);
const regex kIndexOn(R"re(\bindex\b[\s\S]*?\bon\s+(?:only\s+)?)re" + kTableName, kI);
const regex kTypeChange(R"re(\balter\s+column\s+"?\w+"?\s+(?:set\s+data\s+)?type\b)re", kI);
const regex kAddColumn(
    R"re(\badd\s+(?!constraint\b|check\b|foreign\b|primary\b|unique\b)(?:column\s+)?(?:if\s+not\s+exists\s+)?"?\w+"?\s+[^,]*)re",
    kI);
const regex kVolatileDefault(
    R"re(\bdefault\s+(?:now\s*\(|clock_timestamp|random\s*\(|gen_random_uuid|uuid_generate|nextval|timeofday|statement_timestamp|current_timestamp|transaction_timestamp))re",
    kI);
const regex kNotNull(R"re(\bnot\s+null\b)re", kI);
const regex kDefault(R"re(\bdefault\b)re", kI);
const regex kSetNotNull(R"re(\balter\s+column\s+"?(\w+)"?\s+set\s+not\s+null\b)re", kI);
const regex kCreateIndex(R"re(\bcreate\s+(?:unique\s+)?index\b)re", kI);
const regex kConcurrently(R"re(\bconcurrently\b)re", kI);
const regex kAddConstraint(R"re(\badd\s+(?:constraint\s+"?\w+"?\s+)?(foreign\s+key|check)\b)re",
                           kI);
const regex kNotValid(R"re(\bnot\s+valid\b)re", kI);
const regex kDrop(
    R"re(\bdrop\s+(table|column)\b|\balter\s+table\b[\s\S]*\bdrop\s+(?!constraint|default|not\s+null)\w)re",
    kI);
const regex kRename(R"re(\brename\s+(column\s+|to\s+)?)re", kI);
const regex kLongLock(
    R"re(\block\s+table\b|\bvacuum\s+full\b|\bcluster\b|\brefresh\s+materialized\s+view\s+(?!concurrently))re",
    kI);
const regex kValidatedNotNullCheck(R"re(\bcheck\s*\(\s*"?(\w+)"?\s+is\s+not\s+null\s*\))re", kI);
const regex kValidateConstraint(R"re(\bvalidate\s+constraint\b)re", kI);

std::string strip_quotes(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool small(const std::vector<std::string>& tables, const TableSizes& sizes) {
  if (tables.empty()) return false;
  for (const auto& t : tables) {
    auto it = sizes.find(t);
    if (it == sizes.end())
      it = sizes.find(t.substr(t.find('.') == std::string::npos ? 0 : t.find('.') + 1));
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

}  // namespace

std::vector<std::string> tables_in(const std::string& sql) {
  std::vector<std::string> out;
  for (const regex* r : {&kAlterTable, &kIndexOn}) {
    for (std::sregex_iterator it(sql.begin(), sql.end(), *r), end; it != end; ++it)
      out.push_back(strip_quotes((*it)[1]));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Finding> lint(Section section, const std::vector<std::string>& statements,
                          const TableSizes& sizes) {
  std::vector<Finding> out;
  std::vector<std::string>
      validated_not_null;  // columns with a CHECK (c IS NOT NULL) validated earlier
  bool saw_validate = false;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const std::string& sql = statements[i];
    const std::string where = section_name(section) + ".sql[" + std::to_string(i) + "]";
    const auto tables = tables_in(sql);
    const bool is_small = small(tables, sizes);
    auto add = [&](const char* rule, const std::string& msg, bool size_matters) {
      out.push_back(
          {rule, where,
           msg + (size_matters && is_small ? " (a warning only: the table is small)" : ""),
           !(size_matters && is_small)});
    };
    std::smatch m;
    if (std::regex_search(sql, kTypeChange)) {
      add("rewrite-type-change",
          "ALTER COLUMN ... TYPE rewrites the whole table under an ACCESS EXCLUSIVE lock, and "
          "writers using the old "
          "type fail; add a new column, dual-write, backfill, verify and switch reads instead",
          true);
    }
    if (std::regex_search(sql, m, kAddColumn)) {
      const std::string col = m[0];
      if (std::regex_search(col, kVolatileDefault)) {
        add("volatile-default",
            "ADD COLUMN with a volatile DEFAULT rewrites the table under an ACCESS EXCLUSIVE lock; "
            "add the column "
            "without a default (or with a constant one) and backfill it",
            true);
      } else if (std::regex_search(col, kNotNull) && !std::regex_search(col, kDefault)) {
        add("add-not-null-without-default",
            "ADD COLUMN ... NOT NULL without a DEFAULT fails on a table with rows; add it "
            "nullable, backfill, add "
            "CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL",
            false);
      }
    }
    if (std::regex_search(sql, m, kSetNotNull)) {
      const std::string col = strip_quotes(m[1]);
      if (!saw_validate || std::find(validated_not_null.begin(), validated_not_null.end(), col) ==
                               validated_not_null.end()) {
        add("set-not-null-without-check",
            "SET NOT NULL on \"" + col +
                "\" scans the whole table under an ACCESS EXCLUSIVE lock; first add CHECK (" + col +
                " IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT it in an earlier statement",
            true);
      }
    }
    if (std::regex_search(sql, m, kValidatedNotNullCheck) && std::regex_search(sql, kNotValid)) {
      validated_not_null.push_back(strip_quotes(m[1]));
    }
    if (std::regex_search(sql, kValidateConstraint)) saw_validate = true;
    if (std::regex_search(sql, kCreateIndex) && !std::regex_search(sql, kConcurrently)) {
      add("index-without-concurrently",
          "CREATE INDEX without CONCURRENTLY blocks every write to the table while it builds; use "
          "CREATE INDEX "
          "CONCURRENTLY IF NOT EXISTS",
          true);
    }
    if (std::regex_search(sql, m, kAddConstraint) && !std::regex_search(sql, kNotValid)) {
      add("constraint-without-not-valid",
          "ADD CONSTRAINT ... " + std::string(m[1]) +
              " validates every row while holding its lock; add it NOT VALID, then VALIDATE "
              "CONSTRAINT in a later "
              "statement (which takes a weaker lock)",
          true);
    }
    if (section == Section::kExpand && std::regex_search(sql, kDrop)) {
      add("drop-in-expand",
          "a DROP in expand removes what running code may still read or write; drops belong in "
          "contract, after "
          "readers have switched",
          false);
    }
    if (section != Section::kRollback && std::regex_search(sql, kRename)) {
      add("rename",
          "RENAME breaks every running query that uses the old name at once; add the new column or "
          "view, "
          "dual-write and switch readers instead",
          false);
    }
    if (std::regex_search(sql, kLongLock)) {
      add("long-held-lock",
          "LOCK TABLE, VACUUM FULL, CLUSTER and REFRESH MATERIALIZED VIEW hold strong locks for as "
          "long as they run; "
          "they do not belong in an online migration",
          true);
    }
  }
  return out;
}

}  // namespace schemashift::pg
