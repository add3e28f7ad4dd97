// The postgresReplicaLag provider: replay lag of the streaming replicas, read on the primary
// from pg_stat_replication, in bytes (the WAL the slowest replica has not replayed) with the
// seconds in the detail. No replica is no data; a replica whose replay position is unknown
// counts as infinitely behind.
#pragma once

#include <pqxx/pqxx>

#include "gates/gate.h"

namespace schemashift::gates {

Measurement measure_replica_lag(pqxx::connection& primary);

}  // namespace schemashift::gates
