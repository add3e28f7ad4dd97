// The flag barrier as the reconciler asks it: has a target acknowledged the mode written for
// it? Each target is counted on its own, in its own database: its live instances (fresh
// heartbeats) must all have acknowledged the flag's generation and value, and there must be
// at least as many as its own Deployment has ready replicas.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "migration/spec.h"
#include "migration/status.h"

namespace schemashift::controller {

// Ready replicas by Deployment name.
using ReadyReplicas = std::map<std::string, int>;

struct TargetBarrier {
  bool held = false;
  std::string detail{};  // "2 of 2 live instances acknowledged; 2 ready replicas"
};

// `target`'s barrier for `mode` in `conn` (its database); not held while its flag is unwritten.
TargetBarrier target_barrier(pqxx::connection& conn, const migration::Target& target,
                             migration::FlagMode mode, int ready_replicas);

// Every target in one database (`conn`), each at the mode status.targets[] (or, for an older
// status, status.flags.mode) says: the mode all acknowledged, or nullopt. `detail` gets one
// clause per target ("orders: 2 of 2 live instances acknowledged; 2 ready replicas").
std::optional<migration::FlagMode> acknowledged_mode(pqxx::connection& conn,
                                                     const migration::MigrationSpec& spec,
                                                     const migration::MigrationStatus& status,
                                                     const ReadyReplicas& ready,
                                                     std::string* detail);

}  // namespace schemashift::controller
