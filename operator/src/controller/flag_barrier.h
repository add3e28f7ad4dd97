// The flag barrier as the reconciler asks it: has every target acknowledged the migration's
// flag mode? Each target is counted on its own: its live instances (fresh heartbeats in its
// database) must all have acknowledged the flag's generation and value, and there must be at
// least as many as its own Deployment has ready replicas.
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

// The mode every target acknowledged, or nullopt (no mode yet, a flag not written, or a
// target still behind). `detail` gets one clause per target ("orders: 2 of 2 live instances
// acknowledged; 2 ready replicas").
std::optional<migration::FlagMode> acknowledged_mode(pqxx::connection& conn,
                                                     const migration::MigrationSpec& spec,
                                                     const migration::MigrationStatus& status,
                                                     const ReadyReplicas& ready,
                                                     std::string* detail);

}  // namespace schemashift::controller
