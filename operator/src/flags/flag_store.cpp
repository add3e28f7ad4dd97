#include "flags/flag_store.h"

#include "pg/state_schema.h"

namespace schemashift::flags {

// Every function, operator and type in the SQL below is pg_catalog's, named (see
// pg/state_schema.h): nothing planted on the search_path can stand in for it.
void ensure_flag_schema(pqxx::connection& conn, bool claim) {
  pqxx::work tx(conn);
  if (claim) {
    pg::claim_state_schema(tx);
  } else {
    tx.exec("SELECT pg_catalog.pg_advisory_xact_lock(7261616::bigint)");
    tx.exec0("CREATE SCHEMA IF NOT EXISTS schemashift");
  }
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.flags ("
      " key pg_catalog.text PRIMARY KEY, value pg_catalog.text NOT NULL,"
      " generation bigint NOT NULL,"
      " updated_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now())");
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schemashift.flag_acks ("
      " service pg_catalog.text NOT NULL, instance pg_catalog.text NOT NULL,"
      " key pg_catalog.text NOT NULL, value pg_catalog.text NOT NULL, generation bigint NOT NULL,"
      " heartbeat_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),"
      " PRIMARY KEY (service, instance, key))");
  tx.commit();
}

std::int64_t set_flag(pqxx::transaction_base& tx, const std::string& key,
                      const std::string& value) {
  auto r = tx.exec_params(
      "INSERT INTO schemashift.flags (key, value, generation) VALUES ($1, $2, 1) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, generation = "
      "schemashift.flags.generation OPERATOR(pg_catalog.+) 1, "
      "updated_at = pg_catalog.now() "
      "WHERE schemashift.flags.value OPERATOR(pg_catalog.<>) excluded.value RETURNING generation",
      key, value);
  if (r.empty()) {  // the value it already had
    return tx
        .exec_params1(
            "SELECT generation FROM schemashift.flags WHERE key OPERATOR(pg_catalog.=) "
            "$1::pg_catalog.text",
            key)[0]
        .as<std::int64_t>();
  }
  const auto gen = r[0][0].as<std::int64_t>();
  tx.exec("SELECT pg_catalog.pg_notify('" + std::string(kChannel) + "', " +
          tx.quote(key + ":" + std::to_string(gen)) + ")");
  return gen;
}

std::int64_t set_flag(pqxx::connection& conn, const std::string& key, const std::string& value) {
  pqxx::work tx(conn);
  const auto gen = set_flag(tx, key, value);
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
      "SELECT pg_catalog.concat(service, '/', instance), "
      "generation OPERATOR(pg_catalog.>=) $2::bigint AND value OPERATOR(pg_catalog.=) "
      "$3::pg_catalog.text "
      "FROM schemashift.flag_acks WHERE key OPERATOR(pg_catalog.=) $1::pg_catalog.text "
      "AND service OPERATOR(pg_catalog.=) ANY (ARRAY[" +
          list +
          "]::pg_catalog.text[]) AND heartbeat_at OPERATOR(pg_catalog.>) (pg_catalog.now() "
          "OPERATOR(pg_catalog.-) pg_catalog.make_interval(secs => $4::pg_catalog.float8)) "
          "ORDER BY 1",
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
