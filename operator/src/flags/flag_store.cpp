#include "flags/flag_store.h"

namespace schemashift::flags {

void ensure_flag_schema(pqxx::connection& conn) {
  pqxx::work tx(conn);
  tx.exec("SELECT pg_advisory_xact_lock(7261617)");  // serialise concurrent first-time creation
  tx.exec0("CREATE SCHEMA IF NOT EXISTS schemashift");
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.flags ("
      " key text PRIMARY KEY, value text NOT NULL, generation bigint NOT NULL,"
      " updated_at timestamptz NOT NULL DEFAULT now())");
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.flag_acks ("
      " service text NOT NULL, instance text NOT NULL, key text NOT NULL, value text NOT NULL,"
      " generation bigint NOT NULL, heartbeat_at timestamptz NOT NULL DEFAULT now(),"
      " PRIMARY KEY (service, instance, key))");
  tx.commit();
}

std::int64_t set_flag(pqxx::connection& conn, const std::string& key, const std::string& value) {
  pqxx::work tx(conn);
  auto r = tx.exec_params(
      "INSERT INTO schemashift.flags (key, value, generation) VALUES ($1, $2, 1) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, generation = "
      "schemashift.flags.generation + 1, "
      "updated_at = now() RETURNING generation",
      key, value);
  const auto gen = r[0][0].as<std::int64_t>();
  tx.exec("SELECT pg_notify('" + std::string(kChannel) + "', " +
          tx.quote(key + ":" + std::to_string(gen)) + ")");
  tx.commit();
  return gen;
}

std::string BarrierState::describe() const {
  std::string s = std::to_string(acked) + " of " + std::to_string(live) +
                  " live instances acknowledged; " + std::to_string(required) + " ready replicas";
  if (!lagging.empty()) {
    s += "; waiting for";
    for (std::size_t i = 0; i < lagging.size() && i < 5; ++i) s += (i ? ", " : " ") + lagging[i];
  }
  return s;
}

BarrierState barrier(pqxx::connection& conn, const std::string& key, std::int64_t generation,
                     const std::string& value, const std::vector<std::string>& services,
                     int ready_replicas, std::chrono::milliseconds heartbeat_ttl) {
  pqxx::nontransaction nt(conn);
  std::string list;
  for (const auto& s : services) list += (list.empty() ? "" : ",") + nt.quote(s);
  if (list.empty()) list = "NULL";
  auto r = nt.exec_params(
      "SELECT service || '/' || instance, generation >= $2 AND value = $3 "
      "FROM schemashift.flag_acks WHERE key = $1 AND service IN (" +
          list + ") AND heartbeat_at > now() - make_interval(secs => $4) ORDER BY 1",
      key, generation, value, static_cast<double>(heartbeat_ttl.count()) / 1000.0);
  BarrierState b;
  b.required = ready_replicas;
  for (const auto& row : r) {
    ++b.live;
    if (row[1].as<bool>()) {
      ++b.acked;
    } else {
      b.lagging.push_back(row[0].as<std::string>());
    }
  }
  b.held = b.live > 0 && b.acked == b.live && b.live >= ready_replicas;
  return b;
}

}  // namespace schemashift::flags
