// Reconciler: one SchemaMigration's reconcile. Reads the object and its database Secret,
// keeps a finalizer (so deleting a running migration closes its connections and releases its
// fence), observes the database and the flag barrier, asks decide() what to do, has the
// PgRunner do it, folds the outcomes into the status, writes the status and records events.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "controller/migration_metrics.h"
#include "controller/pg_runner.h"
#include "kube/client.h"
#include "migration/spec.h"
#include "runtime/event_recorder.h"
#include "runtime/manager.h"

namespace schemashift::controller {

inline constexpr const char* kFinalizer = "schemashift.io/finalizer";

class Reconciler {
 public:
  // `metrics`, when given, gets each migration's status after it is written.
  Reconciler(kube::Client client, runtime::EventRecorder& events,
             MigrationMetrics* metrics = nullptr);
  runtime::ReconcileOutcome reconcile(const std::string& key);

 private:
  std::shared_ptr<PgRunner> runner_for(const std::string& key, const std::string& dsn,
                                       const std::string& uid, ConnectError* error);
  void drop_runner(const std::string& key);
  // A Secret's connection string (errors name the Secret and key, never the value).
  Result<std::string, std::string> read_dsn(const std::string& ns, const migration::SecretRef& ref);
  // Reads spec.events' schemaFrom/contractSchemaFrom ConfigMaps into the spec; says what is
  // missing, or nullopt.
  std::optional<std::string> resolve_schemas(const std::string& ns, migration::EventsSpec& events);
  // Each target Deployment's ready replicas (an error names the Deployment that could not be read).
  std::optional<ReadyReplicas> ready_replicas(const std::string& ns,
                                              const migration::MigrationSpec& spec,
                                              std::string* error);

  kube::Client client_;
  runtime::EventRecorder& events_;
  MigrationMetrics* metrics_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<PgRunner>> runners_;
};

}  // namespace schemashift::controller
