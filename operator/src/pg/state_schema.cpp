#include "pg/state_schema.h"

namespace schemashift::pg {

void claim_state_schema(pqxx::transaction_base& tx) {
  // Serialises concurrent first-time creation (the bigint overload, named: an int overload
  // planted in public would otherwise win the call).
  tx.exec("SELECT pg_catalog.pg_advisory_xact_lock(7261616::bigint)");
  tx.exec0("CREATE SCHEMA IF NOT EXISTS schemashift");
  // Who owns the schema and its tables, and whether that is the connecting role (or, for a
  // role that is not a superuser, a role it belongs to: superusers belong to every role).
  auto r = tx.exec(
      "WITH me AS (SELECT r.oid, r.rolsuper FROM pg_catalog.pg_roles r "
      "            WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER), "
      "objects AS ("
      " SELECT 'schema schemashift' AS what, n.nspowner AS owner FROM pg_catalog.pg_namespace n"
      " WHERE n.nspname OPERATOR(pg_catalog.=) 'schemashift' "
      " UNION ALL "
      " SELECT 'table schemashift.' OPERATOR(pg_catalog.||) c.relname::pg_catalog.text, c.relowner"
      " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
      " ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
      " WHERE n.nspname OPERATOR(pg_catalog.=) 'schemashift') "
      "SELECT o.what, pg_catalog.pg_get_userbyid(o.owner)::pg_catalog.text, "
      "       CURRENT_USER::pg_catalog.text "
      "FROM objects o, me "
      "WHERE o.owner OPERATOR(pg_catalog.<>) me.oid "
      "  AND (me.rolsuper OR NOT pg_catalog.pg_has_role(o.owner, 'MEMBER')) "
      "ORDER BY 1 LIMIT 1");
  if (!r.empty()) {
    throw StateSchemaRefused(
        r[0][0].as<std::string>() + " is owned by role " + r[0][1].as<std::string>() + ", not by " +
        r[0][2].as<std::string>() +
        " (the operator's role): another role could rewrite the fence and the checkpoints "
        "there; drop or rename that schema, or connect as its owner");
  }
}

void ensure_state_schema(pqxx::connection& conn) {
  pqxx::work tx(conn);
  claim_state_schema(tx);
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.migrations ("
      " name pg_catalog.text PRIMARY KEY,"
      " epoch bigint NOT NULL DEFAULT 0,"
      " phase pg_catalog.text NOT NULL DEFAULT 'Pending',"
      " checkpoint pg_catalog.jsonb NOT NULL DEFAULT '{}'::pg_catalog.jsonb,"
      " updated_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now())");
  // The tables a migration touches, so two running migrations never share one.
  tx.exec0(
      "ALTER TABLE schemashift.migrations ADD COLUMN IF NOT EXISTS tables pg_catalog.text[] NOT "
      "NULL DEFAULT '{}'");
  // Every DDL step carried out, with its SQL: drift between what ran and the manifest shows.
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.applied_steps ("
      " migration pg_catalog.text NOT NULL, section pg_catalog.text NOT NULL, step int NOT NULL,"
      " sql_hash pg_catalog.text NOT NULL, sql pg_catalog.text NOT NULL, epoch bigint NOT NULL,"
      " applied_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),"
      " PRIMARY KEY (migration, section, step))");
  // The resource's UID, so a migration deleted and re-created under the same name is a new one:
  // its steps run again and it does not resume the old one's checkpoint (controller/planner).
  tx.exec0("ALTER TABLE schemashift.migrations ADD COLUMN IF NOT EXISTS uid pg_catalog.text");
  tx.exec0(
      "ALTER TABLE schemashift.applied_steps ADD COLUMN IF NOT EXISTS migration_uid "
      "pg_catalog.text");
  tx.commit();
}

Result<void, std::string> check_search_path(pqxx::connection& conn) {
  pqxx::nontransaction nt(conn);
  auto r = nt.exec(
      "SELECT pg_catalog.current_schema()::pg_catalog.text, CURRENT_USER::pg_catalog.text, "
      "pg_catalog.current_setting('search_path')");
  if (!r[0][0].is_null() && r[0][0].as<std::string>() == kStateSchema) {
    return fail("role " + r[0][1].as<std::string>() + "'s search_path (" +
                r[0][2].as<std::string>() +
                ") puts schema schemashift first, so the migration's unqualified CREATE TABLE "
                "would land in the operator's state schema; connect as a role not named "
                "schemashift, or set its search_path (ALTER ROLE ... SET search_path = public)");
  }
  return {};
}

void pin_search_path(pqxx::connection& conn) {
  pqxx::nontransaction nt(conn);
  nt.exec("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false)");
}

}  // namespace schemashift::pg
