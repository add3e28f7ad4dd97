#include "gates/replica_lag.h"

#include <cstdio>
#include <limits>

namespace schemashift::gates {

Measurement measure_replica_lag(pqxx::connection& primary) {
  try {
    pqxx::nontransaction nt(primary);
    // Without pg_read_all_stats (pg_monitor has it) every column but pid reads NULL for
    // another role's WAL sender: the replicas would look absent, so that is an error instead.
    // pg_catalog's objects are named: nothing on the search_path can stand in for them.
    auto r = nt.exec(
        "SELECT pg_catalog.count(*) FILTER (WHERE state OPERATOR(pg_catalog.=) 'streaming'), "
        "pg_catalog.count(*) FILTER (WHERE state OPERATOR(pg_catalog.=) 'streaming' "
        "AND replay_lsn IS NULL), "
        "coalesce(pg_catalog.max(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
        "replay_lsn)) FILTER (WHERE state OPERATOR(pg_catalog.=) 'streaming'), 0)"
        "::pg_catalog.float8, "
        "coalesce(pg_catalog.max(extract(epoch FROM replay_lag)) FILTER (WHERE state "
        "OPERATOR(pg_catalog.=) 'streaming'), 0)::pg_catalog.float8, "
        "pg_catalog.pg_has_role('pg_read_all_stats'::pg_catalog.name, 'USAGE'), "
        "CURRENT_USER::pg_catalog.text "
        "FROM pg_catalog.pg_stat_replication");
    if (!r[0][4].as<bool>()) {
      return {MeasurementKind::kError, 0,
              "role " + r[0][5].as<std::string>() +
                  " cannot see the replicas in pg_stat_replication (their state and replay "
                  "position read as NULL without the pg_read_all_stats privileges): grant it "
                  "pg_monitor or pg_read_all_stats"};
    }
    const int replicas = r[0][0].as<int>();
    if (replicas == 0) return {MeasurementKind::kNoData, 0, "no streaming replica"};
    if (r[0][1].as<int>() > 0) {
      return {MeasurementKind::kValue, std::numeric_limits<double>::infinity(),
              "a replica's replay position is unknown: counted as too far behind"};
    }
    const double bytes = r[0][2].as<double>(), secs = r[0][3].as<double>();
    char detail[128];
    std::snprintf(detail, sizeof(detail), "replica replay lag %.0f bytes, %.1f s (%d replicas)",
                  bytes, secs, replicas);
    return {MeasurementKind::kValue, bytes, detail};
  } catch (const std::exception& e) {
    return {MeasurementKind::kError, 0,
            std::string("cannot read pg_stat_replication: ") + e.what()};
  }
}

}  // namespace schemashift::gates
