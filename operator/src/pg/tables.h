// Table names: read from a manifest field as SQL writes them (unquoted names fold to lower case,
// "Quoted" ones are kept exactly), quoted for embedding, and found in statements' parse trees
// (every statement kind: ALTER, CREATE INDEX, DROP, INSERT, UPDATE, DELETE, SELECT, COPY, LOCK,
// VACUUM, TRUNCATE, foreign-key references, ...). Pure.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "pg/sql_parse.h"

namespace schemashift::pg {

inline constexpr std::size_t kMaxIdentifierBytes = 63;  // NAMEDATALEN - 1

struct TableName {
  std::string schema;  // empty: unqualified (resolved by the search_path)
  std::string name;
  // Always quoted, for SQL: "Shop"."orders".
  std::string quoted() const;
  // Quoted only where needed, for people and as a map key: "Shop".orders.
  std::string display() const;
  auto operator<=>(const TableName&) const = default;
};

// An identifier always double-quoted ("" inside doubled), as PQescapeIdentifier does.
std::string quote_identifier(const std::string& name);
// Quoted only when it is not a plain lower-case name.
std::string display_identifier(const std::string& name);

// "orders", "shop.orders", "\"Shop\".\"My Orders\"": a name or schema.name as SQL writes it.
// Refused: empty parts, NUL, more than 63 bytes in a part, anything else around the name.
Result<TableName, std::string> parse_table_name(const std::string& text);
// One column name as SQL writes it ("id", "\"OrderId\"").
Result<std::string, std::string> parse_column_name(const std::string& text);

// The tables a statement names, sorted and unique (CTE names are not tables).
std::vector<TableName> tables_in(const Statement& statement);
// The tables every statement of `sql` names; empty when it does not parse.
std::vector<TableName> tables_in(const std::string& sql);

}  // namespace schemashift::pg
