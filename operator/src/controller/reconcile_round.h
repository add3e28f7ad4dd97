// One round of a migration's engine with no Kubernetes in it: the barriers and the gates that are
// due are observed, decide() is asked what to do, the PgRunner does it, and the outcomes are
// folded into the next status. The reconciler (status kept in the resource) and the standalone
// `schemashift` CLI (status kept in the database) both drive their migrations through it.
#pragma once

#include <functional>
#include <string>

#include "controller/flag_barrier.h"
#include "controller/gate_schedule.h"
#include "controller/pg_runner.h"
#include "migration/decide.h"
#include "migration/spec.h"
#include "migration/status.h"

namespace schemashift::controller {

struct RoundHooks {
  // A gate's measurement; empty: the runner's own (PgRunner::measure).
  Measure measure{};
  // Called with the new status before the first action of a new phase runs (a DDL step can wait
  // for its lock a while; the status should say Expanding meanwhile, not the phase before).
  std::function<void(const migration::MigrationStatus&)> phase_started{};
  // Told things worth a Warning before they happen (a long transaction a DDL will wait for).
  std::function<void(const std::string&)> warn{};
};

struct Round {
  migration::Decision decision{};  // its events include the gates' (measured and tripped)
  migration::MigrationStatus next{};
  bool failed = false;            // an action failed (next.last_error says why)
  bool lock_not_granted = false;  // it was a DDL step whose lock a blocker holds (55P03)
};

// Each target's barrier at the mode status.targets[] says was written, into `obs`; `ready` is
// each Deployment's ready replicas (absent: no replica is required, only live instances).
void observe_barriers(PgRunner& runner, const migration::MigrationSpec& spec,
                      const migration::MigrationStatus& status, const ReadyReplicas& ready,
                      migration::Observations& obs);

// One round. `runner` is null when the database cannot be reached (obs.database_error says why):
// decide() still runs, so the status says so.
Round run_round(PgRunner* runner, const migration::MigrationSpec& spec,
                const migration::MigrationStatus& status, migration::Observations obs,
                const RoundHooks& hooks, const std::string& now);

}  // namespace schemashift::controller
