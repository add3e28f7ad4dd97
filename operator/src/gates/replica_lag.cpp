#include "gates/replica_lag.h"

#include <cstdio>
#include <limits>

namespace schemashift::gates {

Measurement measure_replica_lag(pqxx::connection& primary) {
  try {
    pqxx::nontransaction nt(primary);
    auto r = nt.exec(
        "SELECT count(*), count(*) FILTER (WHERE replay_lsn IS NULL), "
        "coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::float8, "
        "coalesce(max(extract(epoch FROM replay_lag)), 0)::float8 "
        "FROM pg_stat_replication WHERE state = 'streaming'");
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
