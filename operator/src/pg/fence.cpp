#include "pg/fence.h"

namespace schemashift::pg {

namespace {
// The advisory lock key of a migration: a stable 64-bit hash computed by PostgreSQL itself.
const char* kLockKey = "('x' || substr(md5('schemashift/' || $1), 1, 16))::bit(64)::bigint";
}  // namespace

void ensure_state_schema(pqxx::connection& conn) {
  pqxx::work tx(conn);
  tx.exec("SELECT pg_advisory_xact_lock(7261616)");  // serialise concurrent first-time creation
  tx.exec0("CREATE SCHEMA IF NOT EXISTS schemashift");
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.migrations ("
      " name text PRIMARY KEY,"
      " epoch bigint NOT NULL DEFAULT 0,"
      " phase text NOT NULL DEFAULT 'Pending',"
      " checkpoint jsonb NOT NULL DEFAULT '{}'::jsonb,"
      " updated_at timestamptz NOT NULL DEFAULT now())");
  // The tables a migration touches, so two running migrations never share one.
  tx.exec0(
      "ALTER TABLE schemashift.migrations ADD COLUMN IF NOT EXISTS tables text[] NOT NULL DEFAULT "
      "'{}'");
  // Every DDL step carried out, with its SQL: drift between what ran and the manifest shows.
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.applied_steps ("
      " migration text NOT NULL, section text NOT NULL, step int NOT NULL, sql_hash text NOT NULL,"
      " sql text NOT NULL, epoch bigint NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
      " PRIMARY KEY (migration, section, step))");
  tx.commit();
}

Result<Fence, std::string> Fence::acquire(pqxx::connection& conn, const std::string& migration) {
  ensure_state_schema(conn);
  {
    pqxx::nontransaction nt(conn);
    auto r =
        nt.exec_params(std::string("SELECT pg_try_advisory_lock(") + kLockKey + ")", migration);
    if (!r[0][0].as<bool>()) {
      auto holder = nt.exec_params(
          std::string("SELECT l.pid, coalesce(a.application_name, ''), "
                      "coalesce(a.client_addr::text, 'local') "
                      "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                      "WHERE l.locktype = 'advisory' AND l.granted AND "
                      "((l.classid::bigint << 32) | l.objid::bigint) = ") +
              kLockKey,
          migration);
      std::string who = holder.empty() ? "another session"
                                       : "backend pid " + holder[0][0].as<std::string>() + " (" +
                                             holder[0][1].as<std::string>() + ", " +
                                             holder[0][2].as<std::string>() + ")";
      return fail("migration " + migration + " is being run by " + who);
    }
  }
  pqxx::work tx(conn);
  auto r = tx.exec_params(
      "INSERT INTO schemashift.migrations (name, epoch) VALUES ($1, 1) "
      "ON CONFLICT (name) DO UPDATE SET epoch = schemashift.migrations.epoch + 1, updated_at = "
      "now() "
      "RETURNING epoch",
      migration);
  tx.commit();
  return Fence(migration, r[0][0].as<std::int64_t>());
}

void Fence::check(pqxx::transaction_base& tx, const std::string& migration, std::int64_t epoch) {
  auto r = tx.exec_params("SELECT epoch FROM schemashift.migrations WHERE name = $1 FOR SHARE",
                          migration);
  if (r.empty())
    throw FencedOut("migration " + migration + " has no state row: not fenced for this runner");
  const auto current = r[0][0].as<std::int64_t>();
  if (current != epoch) {
    throw FencedOut("migration " + migration + " is now run at epoch " + std::to_string(current) +
                    "; this runner holds epoch " + std::to_string(epoch) + " and must stop");
  }
}

}  // namespace schemashift::pg
