// The trigger dual-write (spec.dualWrite.mode: trigger), for writers that cannot change: a
// BEFORE INSERT OR UPDATE trigger on the table keeps the new column in step with the old and
// the old with the new. Which column a writer touched decides the direction: an INSERT that
// leaves the new column NULL, or an UPDATE that changes only the old column, gets
// new := up; an INSERT that sets the new column, or an UPDATE that changes it, gets old := down.
// The function is schema-qualified (in the table's schema), runs with search_path =
// pg_catalog, pg_temp, and declares every column of the row as a variable so up and down read
// as plain expressions over the row ("amount_cents / 100.0"). Install and remove go through
// apply_ddl: under lock_timeout with retries, in a transaction that checks the fence.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/result.h"
#include "pg/ddl.h"

namespace schemashift::pg {

struct DualWriteTrigger {
  std::string migration{};   // names the trigger and its function
  std::string table{};       // "orders" or "shop.orders", resolved once at install
  std::string old_column{};  // "amount_cents"
  std::string new_column{};  // "amount"
  std::string up{};          // the new column from the row: "amount_cents / 100.0"
  std::string down{};        // the old column from the row: "(amount * 100)::int"
};

struct TableColumn {
  std::string name;
  std::string type;  // format_type() under search_path = pg_catalog, so qualified when needed
};

// The name of the trigger and of its function for a migration: schemashift_dw_<16 hex digits>.
std::string dual_write_trigger_name(const std::string& migration);

// The SQL that installs the trigger on `schema`.`table` with these columns (function, then
// trigger; idempotent). Identifiers are quoted with `conn.quote_name`.
std::string dual_write_install_sql(pqxx::connection& conn, const DualWriteTrigger& t,
                                   const std::string& schema, const std::string& table,
                                   const std::vector<TableColumn>& columns);

// Resolves the table and its columns, then installs. Fails with a message naming the problem
// (no such table or column, an expression that does not compile, the lock never granted).
Result<DdlReport, DdlError> install_dual_write_trigger(pqxx::connection& conn,
                                                       const DualWriteTrigger& t,
                                                       const DdlConfig& cfg);

// Drops every trigger and function of this migration's name, wherever they are (idempotent:
// also when the install was never recorded, or the table is gone).
Result<DdlReport, DdlError> remove_dual_write_trigger(pqxx::connection& conn,
                                                      const std::string& migration,
                                                      const DdlConfig& cfg);

}  // namespace schemashift::pg
