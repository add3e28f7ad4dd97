// The key a table is walked by (backfill batches, checksum chunks): one or more NOT NULL columns
// of any ordered type (int, bigint, uuid, text in its own collation, ...), compared as a row
// ((a, b) > ($1, $2)) in the order of the table's own btree. Key values travel as the server's
// text form of each column and are cast back to the column's type, so nothing is narrowed to
// bigint and no bound is computed as min - 1 (a range with no lower bound starts at the start).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace schemashift::pg {

using KeyValue = std::vector<std::string>;  // one text value per key column

class Key {
 public:
  // Reads the columns' types; throws std::runtime_error naming a column that is missing or
  // nullable (rows with a NULL key would never be in any range).
  static Key load(pqxx::transaction_base& tx, const std::string& quoted_table,
                  const std::vector<std::string>& columns);

  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<std::string>& types() const { return types_; }
  std::size_t size() const { return columns_.size(); }

  // "id" or "(a, b)", quoted.
  std::string tuple() const;
  // "a, b" (ORDER BY, optionally descending).
  std::string order(bool descending = false) const;
  // "id::text AS ..." or "a::text AS ..., b::text AS ...": the key as text columns, named so
  // that ORDER BY still means the columns themselves.
  std::string as_text() const;
  // "$3::bigint" or "($3::int, $4::text)", with `params` receiving `value`.
  std::string bind(const KeyValue& value, std::vector<std::string>& params) const;
  // "tuple > bound" (or "true" without a bound) AND "tuple <= upper".
  std::string range(const std::optional<KeyValue>& after, const KeyValue& upto,
                    std::vector<std::string>& params) const;
  // "id" or "(a, b)" unquoted, for messages.
  std::string name() const;

 private:
  std::vector<std::string> columns_, types_;
};

// The key value in `n` columns of a result row from `first` on (each read as text).
KeyValue key_of(const pqxx::row& row, std::size_t n, std::size_t first = 0);
// "5" or "(1, abc)".
std::string describe(const KeyValue& v);
// Checkpoint JSON: an array of strings; older checkpoints hold a number.
nlohmann::json to_json(const std::optional<KeyValue>& v);
std::optional<KeyValue> key_from_json(const nlohmann::json& j);

}  // namespace schemashift::pg
