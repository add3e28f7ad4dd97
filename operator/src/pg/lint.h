// Lint: unsafe-operation rules for migration SQL, in the spirit of squawk and
// strong_migrations. Each finding names the statement, says what goes wrong under load, and
// gives the safe alternative. Rules that hurt only because of a table's size (rewrites, long
// lock holds, index builds) are errors on large tables and warnings on small ones. Pure: table
// sizes are passed in.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace schemashift::pg {

enum class Section { kExpand, kContract, kRollback };

struct Finding {
  std::string rule;     // e.g. "rewrite-type-change"
  std::string where;    // "expand.sql[0]"
  std::string message;  // what happens and the safe alternative
  bool error = true;    // false: a warning that does not refuse the plan
  std::string describe() const { return where + ": " + message; }
};

// Rows per table (from pg_class.reltuples); tables not in the map count as large.
using TableSizes = std::map<std::string, std::int64_t>;
inline constexpr std::int64_t kSmallTable = 10000;

std::vector<Finding> lint(Section section, const std::vector<std::string>& statements,
                          const TableSizes& sizes);

// Tables a statement touches (ALTER TABLE x, CREATE INDEX ... ON x, ...), lower-cased.
std::vector<std::string> tables_in(const std::string& sql);

}  // namespace schemashift::pg
