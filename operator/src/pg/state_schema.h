// The operator's state schema, `schemashift`, in the migration's database: the tables the
// fence, the checkpoints, the applied-steps record and the flags live in. It is created on
// first use, and refused when it is not the operator's own (another role owns the schema or
// one of its tables, so that role could rewrite the fence or the checkpoints), or when the
// connecting role's search_path would put a user's unqualified CREATE TABLE into it.
// Every statement here, like all of the operator's own SQL, names pg_catalog's functions,
// operators and types explicitly, so nothing planted on the search_path can stand in for them.
#pragma once

#include <stdexcept>
#include <string>

#include <pqxx/pqxx>

#include "common/result.h"

namespace schemashift::pg {

inline constexpr const char* kStateSchema = "schemashift";

class StateSchemaRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Inside `tx`: creates the schema if missing, then throws StateSchemaRefused unless it and every
// table in it belong to the connecting role (or a role it is a member of, for a non-superuser).
void claim_state_schema(pqxx::transaction_base& tx);

// Creates the state schema if missing (idempotent): migrations (name, epoch, phase, checkpoint,
// tables) and applied_steps (each DDL step carried out, with its SQL and hash). Throws
// StateSchemaRefused as claim_state_schema does.
void ensure_state_schema(pqxx::connection& conn);

// Fails when an unqualified CREATE on `conn` would land in the state schema (a role named
// like the schema with the default "$user", public search_path).
Result<void, std::string> check_search_path(pqxx::connection& conn);

// For a connection that only ever runs the operator's own SQL: search_path = pg_catalog.
void pin_search_path(pqxx::connection& conn);

}  // namespace schemashift::pg
