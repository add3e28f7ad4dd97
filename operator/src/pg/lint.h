// Lint: unsafe-operation rules for migration SQL, in the spirit of squawk and
// strong_migrations, applied to PostgreSQL's own parse tree (pg/sql_parse), so comments, quoting
// and formatting neither hide an unsafe operation nor invent one. Each finding names the
// statement (and, in a text of several, which one and its line), says what goes wrong under
// load, and gives the safe alternative. Rules that hurt only because of a table's size
// (rewrites, long lock holds, index builds) are errors on large tables and warnings on small
// ones. SQL that does not parse, and calls a migration has no business making, are errors.
// Pure: table sizes are passed in.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace schemashift::pg {

enum class Section { kExpand, kContract, kRollback };

struct Finding {
  std::string rule;     // e.g. "rewrite-type-change"
  std::string where;    // "expand.sql[0]", or "expand.sql[0] statement 2 (line 3)"
  int location = 0;     // byte offset of the statement in its text
  std::string message;  // what happens and the safe alternative
  bool error = true;    // false: a warning that does not refuse the plan
  std::string describe() const { return where + ": " + message; }
};

// Rows per table (from pg_class.reltuples), keyed by TableName::display() as the SQL names it;
// tables not in the map count as large.
using TableSizes = std::map<std::string, std::int64_t>;
inline constexpr std::int64_t kSmallTable = 10000;

std::vector<Finding> lint(Section section, const std::vector<std::string>& statements,
                          const TableSizes& sizes);

}  // namespace schemashift::pg
