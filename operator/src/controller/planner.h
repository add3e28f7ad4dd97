// Planner: what a migration must pass before its first step, against its database. It lints
// every section with the tables' sizes; resolves every table the migration names, once, to its
// schema-qualified name and OID (kept in the state row's checkpoint under "plan", so the steps
// after it, a restart and a changed search_path all find the same tables); registers the tables
// against other running migrations atomically (one transaction holding a self-conflicting lock on
// the state table, comparing resolved names); and checks that what already ran under this name
// is still what the manifest says.
#pragma once

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "migration/decide.h"
#include "migration/spec.h"
#include "pg/tables.h"

namespace schemashift::controller {

struct ResolvedTable {
  std::string qualified;  // always quoted: "public"."orders"
  std::string oid;        // empty when the table did not exist at plan (created by expand)
};

struct TableResolution {
  ResolvedTable table;
  std::int64_t rows = -1;  // pg_class.reltuples; -1 when the table does not exist yet
};

// Resolves `t` with the connection's search_path as it is now (the plan's moment), with its
// size. A table that does not exist yet is where CREATE TABLE would put it: its schema, or the
// current schema.
TableResolution resolve_table(pqxx::transaction_base& tx, const pg::TableName& t);

// `uid`: the resource's UID. State left by an earlier resource of the same name (another UID)
// is cleared: its applied steps and its checkpoint belong to that one, not to this.
migration::Outcome plan(pqxx::connection& conn, const std::string& migration,
                        const std::string& uid, const migration::MigrationSpec& spec);

// The resolution the plan recorded for a table as the manifest writes it ("orders"); nullopt
// when there is none (a plan from before resolutions were kept), and then the caller resolves
// the name now.
std::optional<ResolvedTable> resolved_table(pqxx::connection& conn, const std::string& migration,
                                            const std::string& written);

}  // namespace schemashift::controller
