// The phase machine: decide(spec, status, observations, now) -> Decision is a pure function.
// It reads what the spec asks, what the status says has happened and what the executors and
// gates observed, and returns the new status and the next actions (plan, run expand step N,
// set the flag mode, install or remove the dual-write trigger, run backfill batches, verify,
// contract step N, rollback step N), plus the
// events to announce and when to look again. All I/O lives in the executors; what they did is
// folded back into the status by apply_outcome(), also pure.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "migration/phase.h"
#include "migration/spec.h"
#include "migration/status.h"

namespace schemashift::migration {

// What the gates concluded this round (their providers come in the gates work).
struct GateVerdicts {
  bool throttle = false;  // lag gates: hold the backfill
  std::string throttle_reason{};
  bool abort = false;  // SLO gates: roll back (before Contracting), stall (during it)
  std::string abort_reason{};
  bool evidence_pending = false;  // evidence gates: contract must wait
  std::string evidence_reason{};
};

struct Observations {
  std::optional<std::string>
      database_error{};  // the database cannot be reached (no password in it)
  // The barrier, per target service: the mode every live instance of it acknowledged (absent:
  // not held for the mode written), and what the barrier saw.
  std::map<std::string, FlagMode> acknowledged{};
  std::map<std::string, std::string> barrier{};  // "2 of 3 live instances acknowledged; ..."
  std::string barrier_detail{};                  // all of it in one line, or why it is unknown
  GateVerdicts gates;
  std::optional<ApiStatus> api_use{};  // spec.api: old-version use per client so far
};

enum class ActionKind {
  kPlan,
  kExpandStep,
  kSetFlags,
  kBackfill,
  kVerify,
  kContractStep,
  kRollbackStep,
  kInstallDualWriteTrigger,  // spec.dualWrite.mode trigger: after expand, before the backfill
  kRemoveDualWriteTrigger,   // before contract or rollback drops a column the trigger reads
  kRegisterEventSchema,      // spec.events: step 0 the new schema (expand), 1 the contract schema
};

struct Action {
  ActionKind kind;
  int step = 0;                        // for the SQL steps
  FlagMode mode = FlagMode::kOld;      // for kSetFlags
  std::vector<std::string> targets{};  // for kSetFlags: the services whose flag moves
  bool operator==(const Action&) const = default;
};

struct Event {
  std::string type{};  // Normal, Warning
  std::string reason{};
  std::string note{};
};

struct Decision {
  MigrationStatus status{};
  std::vector<Action> actions{};
  std::optional<std::chrono::milliseconds> requeue_after{};  // nullopt: wait for a change
  std::vector<Event> events{};
};

Decision decide(const MigrationSpec& spec, const MigrationStatus& status, const Observations& obs,
                const std::string& now);

// What an executor reports after carrying out an action.
struct Outcome {
  Action action{};
  bool ok = false;
  bool retriable = true;  // for failures: worth trying again
  std::string error{};
  std::string plan_hash{};                     // kPlan
  std::vector<std::string> findings{};         // kPlan: lint findings that refuse the plan
  BackfillProgress backfill{};                 // kBackfill
  std::vector<std::string> verify_failures{};  // kVerify: checks that found bad data
  std::string compatibility{};                 // kPlan with spec.events: the subject's level
  std::int32_t schema_id = 0;                  // kRegisterEventSchema: the id registered
  std::string refused{};  // kRegisterEventSchema step 1: the registry's words refusing it
  // A DDL step whose lock was not granted within lock_timeout (55P03): a blocker holds the
  // table. Retried at a steady interval, not with the work queue's growing backoff, so the
  // step runs soon after the blocker ends however long it held.
  bool lock_not_granted = false;
};

MigrationStatus apply_outcome(const MigrationSpec& spec, MigrationStatus status,
                              const Outcome& outcome, const std::string& now);

}  // namespace schemashift::migration
