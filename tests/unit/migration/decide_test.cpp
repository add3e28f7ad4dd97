// The phase machine, driven through a simulated world: every transition, rollback from each
// phase before Contracting and its refusal after, gates, pause, approval, failures.
#include "migration/decide.h"

#include <gtest/gtest.h>

namespace {

using namespace schemashift::migration;
using std::chrono::milliseconds;

MigrationSpec full_spec() {
  MigrationSpec s;
  s.database = SecretRef{"orders-db"};
  s.generation = 1;
  s.targets = {{"orders", "orders-service", "orders.amount"}};
  s.expand_sql = {"ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount numeric(12,2)",
                  "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_amount ON orders (amount)"};
  s.backfill = BackfillSpec{"orders", "id", "amount = amount_cents / 100.0", "amount IS NULL"};
  s.checks = {{"amounts-match",
               "SELECT count(*) FROM orders WHERE amount * 100 IS DISTINCT FROM amount_cents",
               "0"}};
  s.contract_sql = {"ALTER TABLE orders DROP COLUMN amount_cents"};
  s.rollback_sql = {"ALTER TABLE orders DROP COLUMN IF EXISTS amount"};
  s.approval = Approval::kAuto;
  return s;
}

// A pure stand-in for the executors and the service instances, for unit tests of decide().
struct World {
  MigrationSpec spec = full_spec();
  MigrationStatus status;
  Observations obs;
  std::vector<Action> log;
  bool instances_ack = true;  // instances acknowledge every flag mode at once
  int batches_left = 3;       // backfill calls until complete
  int batches_done = 0;
  std::vector<std::string> verify_failures;
  std::optional<Outcome> next_failure;  // the next action fails like this
  int clock = 0;

  std::string now() { return "2026-11-21T10:00:" + std::to_string(10 + clock++) + "Z"; }

  Outcome outcome_for(const Action& a) {
    if (next_failure) {
      Outcome o = *next_failure;
      o.action = a;
      next_failure.reset();
      return o;
    }
    Outcome o{a, true};
    if (a.kind == ActionKind::kPlan) o.plan_hash = plan_hash(spec);
    if (a.kind == ActionKind::kBackfill) {
      --batches_left;
      ++batches_done;
      const int total = batches_done + std::max(batches_left, 0);
      o.backfill = {
          1000 * batches_done, 1000 * total, std::to_string(1000 * batches_done), 1000, 5e5,
          batches_left <= 0};
    }
    if (a.kind == ActionKind::kVerify) o.verify_failures = verify_failures;
    return o;
  }

  Decision round() {
    Decision d = decide(spec, status, obs, now());
    status = d.status;
    for (const auto& a : d.actions) {
      log.push_back(a);
      status = apply_outcome(spec, status, outcome_for(a), now());
      if (a.kind == ActionKind::kSetFlags && instances_ack) {
        for (const auto& t : a.targets) obs.acknowledged[t] = a.mode;
      }
    }
    return d;
  }

  // Runs rounds until the phase is `p` (or a terminal one); fails the test after 100 rounds.
  void run_to(Phase p) {
    for (int i = 0; i < 100 && status.phase != p && !is_terminal(status.phase); ++i) round();
    ASSERT_EQ(to_string(status.phase), to_string(p));
  }

  std::string condition(const std::string& type) {
    const Condition* c = status.condition(type);
    return c ? c->status + "/" + c->reason : "absent";
  }
};

TEST(Decide, TheHappyPathRunsEveryStepInOrderAndCompletes) {
  World w;
  w.run_to(Phase::kCompleted);
  const std::vector<Action> expected = {
      {ActionKind::kPlan},
      {ActionKind::kExpandStep, 0},
      {ActionKind::kExpandStep, 1},
      {ActionKind::kSetFlags, 0, FlagMode::kDualWrite, {"orders"}},
      {ActionKind::kBackfill},
      {ActionKind::kBackfill},
      {ActionKind::kBackfill},
      {ActionKind::kVerify},
      {ActionKind::kSetFlags, 0, FlagMode::kReadNew, {"orders"}},
      {ActionKind::kSetFlags, 0, FlagMode::kNew, {"orders"}},
      {ActionKind::kContractStep, 0},
  };
  EXPECT_EQ(w.log, expected);
  EXPECT_EQ(w.condition("Ready"), "True/Completed");
  EXPECT_EQ(w.condition("Reconciling"), "False/Completed");
  EXPECT_EQ(w.condition("Stalled"), "False/Completed");
  EXPECT_EQ(w.status.backfill.rows_done, 3000);
  std::vector<std::string> phases;
  for (const auto& h : w.status.history) phases.push_back(to_string(h.phase));
  EXPECT_EQ(phases, (std::vector<std::string>{"Planned", "Expanding", "DualWriting", "Backfilling",
                                              "Verifying", "ReadSwitching", "AwaitingContract",
                                              "Contracting", "Completed"}));
  EXPECT_FALSE(w.round().requeue_after.has_value()) << "a completed migration needs no more looks";
  EXPECT_TRUE(w.round().actions.empty());
}

TEST(Decide, WithoutTargetsFlagsAndBarriersAreSkipped) {
  World w;
  w.spec.targets.clear();
  w.run_to(Phase::kCompleted);
  for (const auto& a : w.log) EXPECT_NE(a.kind, ActionKind::kSetFlags);
}

TEST(Decide, ManualApprovalWaitsAtAwaitingContractUntilApproved) {
  World w;
  w.spec.approval = Approval::kManual;
  w.run_to(Phase::kAwaitingContract);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(w.round().actions.empty());
  EXPECT_EQ(w.status.phase, Phase::kAwaitingContract);
  EXPECT_EQ(w.condition("AwaitingApproval"), "True/ManualApproval");
  EXPECT_EQ(w.condition("Reconciling"), "True/AwaitingContract");
  w.spec.approve = true;
  w.run_to(Phase::kCompleted);
  EXPECT_EQ(w.condition("AwaitingApproval"), "False/NotAwaiting");
  EXPECT_EQ(w.status.history.back().reason, "Completed");
}

TEST(Decide, ContractWaitsForEvidenceEvenWithAutoApprovalAndAbortStillRollsBack) {
  World w;
  w.obs.gates.evidence_pending = true;
  w.obs.gates.evidence_reason = "old-column-readers Waiting (3 calls since the last reading)";
  w.run_to(Phase::kAwaitingContract);
  for (int i = 0; i < 3; ++i) {
    Decision d = w.round();
    EXPECT_TRUE(d.actions.empty());
    EXPECT_EQ(d.requeue_after, milliseconds(1000));
  }
  EXPECT_EQ(w.status.phase, Phase::kAwaitingContract);
  const Condition* ready = w.status.condition("Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_NE(ready->message.find("waiting for evidence that old readers are gone: "
                                "old-column-readers Waiting"),
            std::string::npos)
      << ready->message;
  w.obs.gates.evidence_pending = false;
  w.run_to(Phase::kCompleted);

  World aborted;
  aborted.obs.gates.evidence_pending = true;
  aborted.run_to(Phase::kAwaitingContract);
  aborted.spec.abort = true;
  aborted.run_to(Phase::kRolledBack);
}

TEST(Decide, TheBarrierHoldsTheNextPhaseUntilEveryInstanceAcknowledges) {
  World w;
  w.instances_ack = false;
  w.run_to(Phase::kDualWriting);
  w.round();  // sets the flags
  const auto sets = std::count(w.log.begin(), w.log.end(),
                               Action{ActionKind::kSetFlags, 0, FlagMode::kDualWrite, {"orders"}});
  EXPECT_EQ(sets, 1);
  w.obs.barrier_detail = "1 of 2 instances acknowledged dual-write";
  for (int i = 0; i < 5; ++i) {
    Decision d = w.round();
    EXPECT_TRUE(d.actions.empty())
        << "no backfill while an instance may still write only the old shape";
    EXPECT_EQ(d.requeue_after, milliseconds(250));
  }
  EXPECT_NE(w.status.condition("Reconciling")->message.find("1 of 2 instances"), std::string::npos);
  w.obs.acknowledged["orders"] = FlagMode::kDualWrite;
  w.round();
  EXPECT_EQ(w.status.phase, Phase::kBackfilling);
}

// Drives a migration to `phase`, then aborts it: it must roll back completely.
void abort_from(Phase phase) {
  SCOPED_TRACE("abort from " + to_string(phase));
  World w;
  w.spec.approval = Approval::kManual;
  if (phase == Phase::kPending) {
    EXPECT_EQ(w.status.phase, Phase::kPending);
  } else {
    w.run_to(phase);
  }
  w.spec.abort = true;
  Decision d = w.round();
  ASSERT_EQ(w.status.phase == Phase::kRollingBack || w.status.phase == Phase::kRolledBack, true)
      << to_string(w.status.phase);
  if (w.status.flag_mode && w.status.flag_mode != FlagMode::kOld) {
    ADD_FAILURE() << "flags must be back at old";
  }
  w.run_to(Phase::kRolledBack);
  EXPECT_EQ(w.status.rollback_done, 1) << "the rollback SQL ran";
  EXPECT_EQ(w.status.rollback_reason, "Aborted: abort requested");
  EXPECT_EQ(w.condition("Ready"), "False/RolledBack");
  EXPECT_EQ(w.condition("Stalled"), "True/RolledBack");
  EXPECT_EQ(w.condition("Reconciling"), "False/RolledBack");
  // Flags went back to old before the new structures were dropped.
  auto flags_old = std::find(w.log.begin(), w.log.end(),
                             Action{ActionKind::kSetFlags, 0, FlagMode::kOld, {"orders"}});
  auto drop = std::find(w.log.begin(), w.log.end(), Action{ActionKind::kRollbackStep, 0});
  ASSERT_NE(drop, w.log.end());
  if (w.status.flag_mode) {
    EXPECT_LT(flags_old - w.log.begin(), drop - w.log.begin());
  }
  EXPECT_TRUE(w.round().actions.empty()) << "RolledBack is terminal";
}

TEST(Decide, AbortRollsBackFromEveryPhaseBeforeContracting) {
  for (Phase p : {Phase::kPending, Phase::kExpanding, Phase::kDualWriting, Phase::kBackfilling,
                  Phase::kVerifying, Phase::kReadSwitching, Phase::kAwaitingContract}) {
    abort_from(p);
  }
}

TEST(Decide, AbortIsRefusedOnceContractingHasBegun) {
  World w;
  w.instances_ack = false;  // hold Contracting at its barrier
  w.run_to(Phase::kDualWriting);
  w.instances_ack = true;
  w.obs.acknowledged["orders"] = FlagMode::kDualWrite;
  w.run_to(Phase::kContracting);
  w.spec.abort = true;
  Decision d = w.round();
  EXPECT_NE(w.status.phase, Phase::kRollingBack);
  ASSERT_FALSE(d.events.empty());
  EXPECT_EQ(d.events[0].reason, "AbortRefused");
  w.run_to(Phase::kCompleted);
  EXPECT_EQ(w.status.rollback_done, 0);
}

TEST(Decide, AFailedSloGateRollsBackDuringBackfill) {
  World w;
  w.batches_left = 100;
  w.run_to(Phase::kBackfilling);
  w.round();
  w.obs.gates.abort = true;
  w.obs.gates.abort_reason = "orders-error-ratio 0.12 > 0.01";
  Decision d = w.round();
  EXPECT_EQ(w.status.phase, Phase::kRollingBack);
  ASSERT_FALSE(d.actions.empty());
  EXPECT_EQ(d.actions[0], (Action{ActionKind::kSetFlags, 0, FlagMode::kOld, {"orders"}}))
      << "flags revert in the same round";
  EXPECT_EQ(w.condition("GatesPassing"), "False/GateFailed");
  w.run_to(Phase::kRolledBack);
  EXPECT_EQ(w.status.rollback_reason, "GateFailed: orders-error-ratio 0.12 > 0.01");
}

TEST(Decide, AFailedGateDuringContractStallsInsteadOfRollingBack) {
  World w;
  w.spec.contract_sql.push_back("DROP INDEX CONCURRENTLY IF EXISTS orders_amount_cents");
  w.run_to(Phase::kContracting);
  w.obs.gates.abort = true;
  w.obs.gates.abort_reason = "p99 2.1s > 0.5s";
  Decision d = w.round();
  EXPECT_TRUE(d.actions.empty());
  EXPECT_EQ(w.status.phase, Phase::kContracting);
  EXPECT_EQ(w.condition("Stalled"), "True/GateFailedDuringContract");
  EXPECT_EQ(w.condition("Reconciling"), "False/GateFailedDuringContract");
  w.obs.gates.abort = false;
  w.run_to(Phase::kCompleted);
}

TEST(Decide, ALagGateThrottlesTheBackfillWithoutFailingIt) {
  World w;
  w.batches_left = 100;
  w.run_to(Phase::kBackfilling);
  w.obs.gates.throttle = true;
  w.obs.gates.throttle_reason = "replica lag 6.2s > 5s";
  Decision d = w.round();
  EXPECT_TRUE(d.actions.empty());
  EXPECT_EQ(d.requeue_after, milliseconds(1000));
  EXPECT_EQ(w.condition("GatesPassing"), "False/Throttled");
  EXPECT_EQ(w.condition("Reconciling"), "True/Backfilling");
  w.obs.gates.throttle = false;
  EXPECT_EQ(w.round().actions, std::vector<Action>{{ActionKind::kBackfill}});
}

TEST(Decide, PausedDoesNothingButAPausedRollbackStillRollsBack) {
  World w;
  w.batches_left = 100;
  w.run_to(Phase::kBackfilling);
  w.spec.paused = true;
  EXPECT_TRUE(w.round().actions.empty());
  EXPECT_EQ(w.condition("Paused"), "True/PausedBySpec");
  w.spec.abort = true;
  w.run_to(Phase::kRolledBack);
}

TEST(Decide, AnUnreachableDatabaseWaitsAndSaysWhy) {
  World w;
  w.obs.database_error = "connection to 127.0.0.1:5432 refused";
  Decision d = w.round();
  EXPECT_TRUE(d.actions.empty());
  EXPECT_EQ(d.requeue_after, milliseconds(5000));
  EXPECT_NE(w.status.condition("Reconciling")->message.find("127.0.0.1:5432 refused"),
            std::string::npos);
  w.obs.database_error.reset();
  EXPECT_EQ(w.round().actions, std::vector<Action>{{ActionKind::kPlan}});
}

TEST(Decide, ARejectedPlanStallsUntilTheManifestChanges) {
  World w;
  w.next_failure =
      Outcome{{}, false, false,
              "", "",    {"expand[0]: ADD COLUMN with a volatile default rewrites the table"}};
  w.round();
  EXPECT_EQ(w.condition("Planned"), "False/PlanRejected");
  Decision d = w.round();
  EXPECT_TRUE(d.actions.empty()) << "no re-plan of the same manifest";
  EXPECT_EQ(w.condition("Stalled"), "True/PlanRejected");
  EXPECT_NE(w.status.condition("Stalled")->message.find("volatile default"), std::string::npos);
  w.spec.generation = 2;  // the user fixed the manifest
  EXPECT_EQ(w.round().actions, std::vector<Action>{{ActionKind::kPlan}});
}

TEST(Decide, StepsChangedAfterStartStall) {
  World w;
  w.run_to(Phase::kBackfilling);
  w.spec.expand_sql.push_back("ALTER TABLE orders ADD COLUMN extra int");
  Decision d = w.round();
  EXPECT_TRUE(d.actions.empty());
  EXPECT_EQ(w.condition("Stalled"), "True/PlanChanged");
}

TEST(Decide, APermanentStepFailureRollsBackAndAFailedRollbackIsFailed) {
  World w;
  w.run_to(Phase::kExpanding);
  w.next_failure = Outcome{{}, false, false, "syntax error at or near \"COLUM\""};
  w.round();
  w.round();
  EXPECT_EQ(w.status.phase, Phase::kRollingBack);
  EXPECT_EQ(w.status.rollback_reason, "StepFailed: syntax error at or near \"COLUM\"");

  World v;
  v.spec.targets.clear();
  v.run_to(Phase::kExpanding);
  v.spec.abort = true;
  v.next_failure = Outcome{{}, false, false, "permission denied for table orders"};
  v.round();  // rollback step fails permanently
  v.round();
  EXPECT_EQ(v.status.phase, Phase::kFailed);
  EXPECT_EQ(v.condition("Stalled"), "True/Failed");
}

TEST(Decide, ATransientStepFailureIsRetried) {
  World w;
  w.run_to(Phase::kExpanding);
  w.next_failure = Outcome{{}, false, true, "canceling statement due to lock timeout"};
  w.round();
  EXPECT_EQ(w.status.phase, Phase::kExpanding);
  EXPECT_NE(w.status.condition("Reconciling")->message.find("lock timeout"), std::string::npos);
  w.run_to(Phase::kCompleted);
}

// Trigger dual-write: writers that cannot change, so no targets; the trigger is an action.
MigrationSpec trigger_spec() {
  MigrationSpec s = full_spec();
  s.targets.clear();
  s.dual_write = {DualWriteMode::kTrigger, "orders",
                  "amount_cents",          "amount",
                  "amount_cents / 100.0",  "(amount * 100)::int"};
  return s;
}

TEST(Decide, TriggerModeInstallsAfterExpandAndRemovesBeforeContract) {
  World w;
  w.spec = trigger_spec();
  w.run_to(Phase::kCompleted);
  const std::vector<Action> expected = {
      {ActionKind::kPlan},
      {ActionKind::kExpandStep, 0},
      {ActionKind::kExpandStep, 1},
      {ActionKind::kInstallDualWriteTrigger},  // before the backfill fixes its key range
      {ActionKind::kBackfill},
      {ActionKind::kBackfill},
      {ActionKind::kBackfill},
      {ActionKind::kVerify},
      {ActionKind::kRemoveDualWriteTrigger},  // before contract drops the column it reads
      {ActionKind::kContractStep, 0},
  };
  EXPECT_EQ(w.log, expected);
  EXPECT_EQ(w.status.dual_write_trigger, kTriggerRemoved);
}

TEST(Decide, TriggerModeRollbackRemovesTheTriggerBeforeTheRollbackSql) {
  for (Phase p :
       {Phase::kExpanding, Phase::kBackfilling, Phase::kVerifying, Phase::kAwaitingContract}) {
    SCOPED_TRACE(to_string(p));
    World w;
    w.spec = trigger_spec();
    w.spec.approval = Approval::kManual;
    w.run_to(p);
    w.spec.abort = true;
    w.run_to(Phase::kRolledBack);
    auto remove =
        std::find(w.log.begin(), w.log.end(), Action{ActionKind::kRemoveDualWriteTrigger});
    auto drop = std::find(w.log.begin(), w.log.end(), Action{ActionKind::kRollbackStep, 0});
    ASSERT_NE(remove, w.log.end()) << "removed even if never recorded as installed";
    ASSERT_NE(drop, w.log.end());
    EXPECT_LT(remove - w.log.begin(), drop - w.log.begin());
    EXPECT_EQ(w.status.dual_write_trigger, kTriggerRemoved);
  }
}

TEST(Decide, TriggerInstallFailuresRetryOrRollBack) {
  World w;
  w.spec = trigger_spec();
  w.run_to(Phase::kExpanding);  // expand 0 done
  w.round();                    // expand 1
  ASSERT_EQ(w.log.back(), (Action{ActionKind::kExpandStep, 1}));
  w.next_failure = Outcome{{}, false, true, "canceling statement due to lock timeout"};
  w.round();
  EXPECT_EQ(w.status.phase, Phase::kExpanding);
  EXPECT_EQ(w.log.back(), Action{ActionKind::kInstallDualWriteTrigger});
  EXPECT_TRUE(w.status.dual_write_trigger.empty());
  w.round();
  EXPECT_EQ(w.status.dual_write_trigger, kTriggerInstalled);

  World v;
  v.spec = trigger_spec();
  v.run_to(Phase::kExpanding);
  v.round();
  v.next_failure = Outcome{{}, false, false, "spec.dualWrite.newColumn: table has no column"};
  v.round();
  v.run_to(Phase::kRolledBack);
  EXPECT_EQ(v.status.rollback_reason, "StepFailed: spec.dualWrite.newColumn: table has no column");
  EXPECT_NE(std::find(v.log.begin(), v.log.end(), Action{ActionKind::kRemoveDualWriteTrigger}),
            v.log.end());
}

TEST(Decide, FlagModeNeverAsksForATrigger) {
  World w;
  w.run_to(Phase::kCompleted);
  for (const auto& a : w.log) {
    EXPECT_NE(a.kind, ActionKind::kInstallDualWriteTrigger);
    EXPECT_NE(a.kind, ActionKind::kRemoveDualWriteTrigger);
  }
}

TEST(Decide, BadDataFoundByVerificationRollsBack) {
  World w;
  w.verify_failures = {"amounts-match: 3 rows, expected 0"};
  w.run_to(Phase::kRolledBack);
  EXPECT_EQ(w.status.rollback_reason, "VerificationFailed: amounts-match: 3 rows, expected 0");
}

TEST(Decide, LastTransitionTimeChangesOnlyWhenAConditionFlips) {
  World w;
  w.run_to(Phase::kExpanding);
  const std::string t = w.status.condition("Reconciling")->last_transition_time;
  w.round();
  w.round();
  EXPECT_EQ(w.status.condition("Reconciling")->last_transition_time, t);
  w.run_to(Phase::kCompleted);
  EXPECT_NE(w.status.condition("Reconciling")->last_transition_time, t);
  EXPECT_EQ(w.status.condition("Ready")->observed_generation, 1);
}

TEST(Decide, StatusSurvivesAJsonRoundTrip) {
  World w;
  w.batches_left = 100;
  w.run_to(Phase::kBackfilling);
  w.round();
  MigrationStatus back = MigrationStatus::from_json(w.status.to_json());
  EXPECT_EQ(back.to_json(), w.status.to_json());
  EXPECT_EQ(back.phase, Phase::kBackfilling);
  EXPECT_EQ(back.flag_mode, FlagMode::kDualWrite);
  EXPECT_EQ(w.status.to_json()["backfill"]["progress"], "2%") << "2 of 100 batches";
}

}  // namespace
