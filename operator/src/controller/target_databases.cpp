#include "controller/target_databases.h"

#include "common/failpoint.h"
#include "flags/flag_store.h"
#include "pg/dsn.h"
#include "pg/fence.h"
#include "pg/state_schema.h"

namespace schemashift::controller {

pqxx::connection& TargetDatabases::connection(const std::string& dsn) {
  auto it = conns_.find(dsn);
  if (it != conns_.end() && it->second->is_open()) return *it->second;
  auto info = pg::parse_dsn(dsn);
  if (!info) throw std::runtime_error("target database: " + info.error());
  try {
    auto conn = std::make_unique<pqxx::connection>(info->conninfo);
    pg::pin_search_path(*conn);  // it only ever runs the operator's own SQL
    flags::ensure_flag_schema(*conn);
    {
      pqxx::work tx(*conn);
      tx.exec0(
          "CREATE TABLE IF NOT EXISTS schemashift.flag_writers ("
          " migration pg_catalog.text PRIMARY KEY, epoch bigint NOT NULL)");
      tx.commit();
    }
    auto& ref = *conn;
    conns_[dsn] = std::move(conn);
    return ref;
  } catch (const pg::StateSchemaRefused& e) {
    throw std::runtime_error(pg::scrub(e.what(), dsn));
  } catch (const pqxx::failure& e) {
    throw std::runtime_error("target database unreachable: " + pg::scrub(e.what(), dsn) + " (" +
                             info->display + ")");
  }
}

void TargetDatabases::set_flag(const std::string& dsn, const std::string& key,
                               const std::string& value, std::int64_t epoch) {
  pqxx::connection& conn = connection(dsn);
  pqxx::work tx(conn);
  auto r = tx.exec_params(
      "INSERT INTO schemashift.flag_writers (migration, epoch) VALUES ($1, $2) "
      "ON CONFLICT (migration) DO UPDATE SET epoch = excluded.epoch "
      "WHERE schemashift.flag_writers.epoch OPERATOR(pg_catalog.<=) excluded.epoch "
      "RETURNING epoch",
      migration_, epoch);
  if (r.empty()) {
    throw pg::FencedOut("fenced out: another operator (a later epoch than " +
                        std::to_string(epoch) + ") wrote migration " + migration_ +
                        "'s flags in a target database");
  }
  flags::set_flag(tx, key, value);
  failpoint("flags.before-commit");
  tx.commit();
}

}  // namespace schemashift::controller
