#include "standalone/status_store.h"

#include "pg/state_schema.h"

namespace schemashift::standalone {

namespace {
constexpr const char* kSelect =
    "SELECT status::pg_catalog.text FROM schemashift.cli_status WHERE name "
    "OPERATOR(pg_catalog.=) $1::pg_catalog.text AND uid OPERATOR(pg_catalog.=) "
    "$2::pg_catalog.text";
}

StatusStore::StatusStore(pqxx::connection& conn) : conn_(conn) {
  pqxx::work tx(conn_);
  pg::claim_state_schema(tx);
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.cli_status ("
      " name pg_catalog.text PRIMARY KEY, uid pg_catalog.text NOT NULL,"
      " status pg_catalog.jsonb NOT NULL,"
      " updated_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now())");
  tx.commit();
}

std::optional<migration::MigrationStatus> StatusStore::load(const std::string& name,
                                                            const std::string& uid) {
  pqxx::work tx(conn_);
  auto r = tx.exec_params(kSelect, name, uid);
  if (r.empty()) return std::nullopt;
  return migration::MigrationStatus::from_json(nlohmann::json::parse(r[0][0].as<std::string>()));
}

void StatusStore::save(const std::string& name, const std::string& uid,
                       const migration::MigrationStatus& status) {
  pqxx::work tx(conn_);
  tx.exec_params(
      "INSERT INTO schemashift.cli_status (name, uid, status) VALUES ($1::pg_catalog.text, "
      "$2::pg_catalog.text, $3::pg_catalog.jsonb) ON CONFLICT (name) DO UPDATE SET uid = "
      "EXCLUDED.uid, status = EXCLUDED.status, updated_at = pg_catalog.now()",
      name, uid, status.to_json().dump());
  tx.commit();
}

std::optional<migration::MigrationStatus> StatusStore::peek(pqxx::connection& conn,
                                                            const std::string& name,
                                                            const std::string& uid) {
  pqxx::work tx(conn);
  auto t = tx.exec("SELECT pg_catalog.to_regclass('schemashift.cli_status') IS NOT NULL");
  if (!t[0][0].as<bool>()) return std::nullopt;
  auto r = tx.exec_params(kSelect, name, uid);
  if (r.empty()) return std::nullopt;
  return migration::MigrationStatus::from_json(nlohmann::json::parse(r[0][0].as<std::string>()));
}

}  // namespace schemashift::standalone
