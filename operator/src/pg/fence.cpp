#include "pg/fence.h"

#include "pg/state_schema.h"

namespace schemashift::pg {

namespace {
// The advisory lock key of a migration: a stable 64-bit hash computed by PostgreSQL itself.
// Every function, operator and type is pg_catalog's, named (see state_schema.h).
const char* kLockKey =
    "('x' OPERATOR(pg_catalog.||) pg_catalog.substr(pg_catalog.md5('schemashift/' "
    "OPERATOR(pg_catalog.||) $1::pg_catalog.text), 1, 16))::bit(64)::bigint";
}  // namespace

Result<Fence, std::string> Fence::acquire(pqxx::connection& conn, const std::string& migration) {
  ensure_state_schema(conn);
  {
    pqxx::nontransaction nt(conn);
    auto r = nt.exec_params(std::string("SELECT pg_catalog.pg_try_advisory_lock(") + kLockKey + ")",
                            migration);
    if (!r[0][0].as<bool>()) {
      auto holder = nt.exec_params(
          std::string("SELECT l.pid, coalesce(a.application_name, ''), "
                      "coalesce(a.client_addr::pg_catalog.text, 'local') "
                      "FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a "
                      "ON a.pid OPERATOR(pg_catalog.=) l.pid "
                      "WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.granted AND "
                      "((l.classid::bigint OPERATOR(pg_catalog.<<) 32) OPERATOR(pg_catalog.|) "
                      "l.objid::bigint) OPERATOR(pg_catalog.=) ") +
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
      "ON CONFLICT (name) DO UPDATE SET epoch = schemashift.migrations.epoch "
      "OPERATOR(pg_catalog.+) 1, updated_at = pg_catalog.now() "
      "RETURNING epoch",
      migration);
  tx.commit();
  return Fence(migration, r[0][0].as<std::int64_t>());
}

void Fence::check(pqxx::transaction_base& tx, const std::string& migration, std::int64_t epoch) {
  auto r = tx.exec_params(
      "SELECT epoch FROM schemashift.migrations WHERE name OPERATOR(pg_catalog.=) "
      "$1::pg_catalog.text FOR SHARE",
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
