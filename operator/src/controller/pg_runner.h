// PgRunner: carries out one migration's actions against its PostgreSQL database (plan, DDL
// steps, flags, backfill, verify) and observes the flag barrier. It keeps its connections and
// the migration's fence across reconciles; dropping it closes them and releases the fence.
// Every error it reports is scrubbed of the connection string's password.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "common/result.h"
#include "controller/flag_barrier.h"
#include "controller/gate_dispatch.h"
#include "controller/planner.h"
#include "controller/target_databases.h"
#include "gates/gate.h"
#include "migration/decide.h"
#include "pg/backfill.h"
#include "pg/fence.h"

namespace schemashift::controller {

// Why connect() gave no runner: the database cannot be reached, or another operator holds
// the migration's fence (then it, not this one, runs the migration and writes its status).
struct ConnectError {
  std::string message{};
  bool fenced_out = false;
};

class PgRunner {
 public:
  // Parses `dsn` (pg/dsn.h), connects (work and fence connections), checks the state schema is
  // the operator's own and takes the fence; fails with a password-free message.
  // `uid` is the resource's UID: a migration re-created under the same name starts afresh.
  static Result<std::unique_ptr<PgRunner>, ConnectError> connect(const std::string& migration,
                                                                 const std::string& dsn,
                                                                 const std::string& uid = "");

  migration::Outcome run(const migration::Action& action, const migration::MigrationSpec& spec,
                         const migration::MigrationStatus& status);
  // The connection strings of the targets whose database is not this runner's (by service);
  // their flags are written and their barriers read there (controller/target_databases).
  void set_target_dsns(std::map<std::string, std::string> dsns) { target_dsns_ = std::move(dsns); }
  // Each target's barrier at the mode status.targets[] says it was moved to, each in its own
  // database (controller/flag_barrier); a target whose flag was never moved is absent.
  std::map<std::string, TargetBarrier> barriers(const migration::MigrationSpec& spec,
                                                const migration::MigrationStatus& status,
                                                const ReadyReplicas& ready);
  // One measurement for a gate (providers that read this database).
  gates::Measurement measure(const gates::GateSpec& gate);
  // spec.api's old-version use per client (gate `gate`), for status.api.
  std::vector<gates::ClientRequests> api_clients(const std::string& gate) const {
    return gates_.api_clients(gate);
  }
  // Backfill slices stop after this long, so gates are looked at between slices.
  void set_backfill_slice(std::chrono::milliseconds d) { backfill_slice_ = d; }
  // Asked before every backfill batch; returning false ends the slice (a throttle gate tripped).
  void set_backfill_guard(std::function<bool()> guard) { backfill_guard_ = std::move(guard); }
  // A gate holds the backfill: the batch shrinks (once per hold).
  // Returns the batch size from now on (0 without a backfill yet).
  int hold_backfill();
  // Told things worth a Warning before they happen (a long transaction a DDL will wait for).
  void set_warning_sink(std::function<void(const std::string&)> sink) { warn_ = std::move(sink); }
  // Records the phase in the migration's state row (for people reading the database, and for
  // the planner of a re-created migration: the row keeps the old one's phase until that plan).
  void record_phase(const std::string& phase);
  bool healthy() const;
  const std::string& dsn() const { return dsn_; }
  const std::string& uid() const { return uid_; }
  std::int64_t epoch() const { return fence_.epoch(); }

 private:
  PgRunner(std::string migration, std::string dsn, std::string uid,
           std::unique_ptr<pqxx::connection> work, std::unique_ptr<pqxx::connection> fence_conn,
           pg::Fence fence);
  migration::Outcome plan(const migration::MigrationSpec& spec);
  ResolvedTable resolved(const std::string& written);
  migration::Outcome backfill(const migration::MigrationSpec& spec);
  migration::Outcome verify(const migration::MigrationSpec& spec);
  migration::Outcome dual_write_trigger(const migration::Action& a,
                                        const migration::MigrationSpec& spec);
  migration::Outcome set_flags(const migration::Action& a, const migration::MigrationSpec& spec);
  migration::Outcome ddl(const char* section, int step, const std::string& sql,
                         const migration::MigrationSpec& spec);

  std::string migration_, dsn_, uid_;
  std::unique_ptr<pqxx::connection> work_, fence_conn_;
  pg::Fence fence_;
  std::unique_ptr<pg::Backfiller> backfiller_;
  std::chrono::milliseconds backfill_slice_{1000};
  std::function<bool()> backfill_guard_;
  bool held_ = false;
  std::function<void(const std::string&)> warn_;
  GateDispatch gates_;
  std::map<std::string, std::string> target_dsns_;
  TargetDatabases target_dbs_{migration_};
};

}  // namespace schemashift::controller
