// Verification of data, not just schema, before readers switch: rows still pending (the
// backfill's pendingWhere), custom checks (a query returning one value, compared with the
// expected one), and chunked comparisons of an old and a new representation of every row by
// key range (so a mismatch names the range), telling NULL and '' apart; and, after a table
// split, that every parent row has its child holding the parent's old columns. Tables are named
// as SQL writes them; keys are any NOT NULL column or columns (pg/key_range).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "migration/spec.h"

namespace schemashift::pg {

struct ChecksumSpec {
  std::string table{};       // "orders", "\"Shop\".orders"
  std::string key_column{};  // "id" (the exact name); see key_columns
  std::string old_expr{};    // the old representation, e.g. "amount_cents"
  std::string new_expr{};    // the new one mapped back, e.g. "(amount * 100)::int"
  int chunk_rows = 50000;
  std::vector<std::string> key_columns{};  // a composite key; when empty, {key_column}
};

// A table split: every parent row has a child (child_key = parent_key) whose child_columns
// equal the parent's parent_columns (NULL equals NULL). Chunked by parent key range; the child
// key is expected to be unique (one child per parent).
struct ForeignKeySpec {
  std::string parent_table, parent_key, child_table, child_key;
  std::vector<std::string> parent_columns, child_columns;
  int chunk_rows = 50000;
};

struct VerifyReport {
  std::vector<std::string> failures;  // empty: the data is right
  std::int64_t rows_checked = 0;
  std::chrono::milliseconds took{0};
};

// Rows of `table` still matching `pending_where`.
std::int64_t pending_rows(pqxx::connection& conn, const std::string& table,
                          const std::string& pending_where);

// Runs each check; a check fails when its single value differs from `expect`.
VerifyReport run_checks(pqxx::connection& conn, const std::vector<migration::VerifyCheck>& checks);

// Compares old_expr and new_expr row by row, one scan per chunk of keys; a failure names the
// chunk's key range and how many rows in it differ. NULL compares as a marker distinct from any
// text.
VerifyReport compare_checksums(pqxx::connection& conn, const ChecksumSpec& spec);

// Checks a split chunk by chunk; a failure names the chunk's key range, how many parents have
// no child or a differing one, and the first key of each.
VerifyReport verify_foreign_key(pqxx::connection& conn, const ForeignKeySpec& spec);

}  // namespace schemashift::pg
