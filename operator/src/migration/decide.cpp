#include "migration/decide.h"

#include <algorithm>
#include <utility>

#include "common/time.h"
#include "migration/flag_moves.h"

namespace schemashift::migration {

namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMaxHistory = 50;
constexpr milliseconds kNow{1};  // "look again right away": the executors just acted
constexpr milliseconds kBarrierPoll{250};
constexpr milliseconds kThrottlePoll{1000};
constexpr milliseconds kDatabaseRetry{5000};
constexpr milliseconds kIdleResync{30000};
constexpr milliseconds kRegistryRecheck{10000};

struct Machine {
  const MigrationStatus& before;
  const MigrationSpec& spec;
  const Observations& obs;
  const std::string& now;
  Decision d;
  bool stalled = false;
  std::string stalled_reason{}, stalled_message{};

  MigrationStatus& s() { return d.status; }

  void enter(Phase next, const std::string& reason, const std::string& message = {}) {
    const Phase prev = s().phase;
    s().phase = next;
    s().history.push_back({next, now, reason});
    if (s().history.size() > kMaxHistory) s().history.erase(s().history.begin());
    const bool bad =
        next == Phase::kRollingBack || next == Phase::kRolledBack || next == Phase::kFailed;
    d.events.push_back(
        {bad ? "Warning" : "Normal", reason,
         to_string(prev) + " -> " + to_string(next) + (message.empty() ? "" : ": " + message)});
  }

  void start_rollback(const std::string& reason, const std::string& message) {
    s().rollback_reason = reason + ": " + message;
    s().last_error.clear();
    enter(Phase::kRollingBack, reason, message);
  }

  void stall(const std::string& reason, const std::string& message) {
    stalled = true;
    stalled_reason = reason;
    stalled_message = message;
  }

  void act(Action a) {
    d.actions.push_back(a);
    d.requeue_after = kNow;
  }

  std::string compatibility() const {
    return d.status.events ? d.status.events->compatibility : "";
  }

  // The phase's flag moves (migration/flag_moves), one after the other: each written, then
  // waited for until every live instance of its targets acknowledged it. True when all are.
  bool flags_moved() {
    for (const auto& move : flag_moves(spec, s().phase, compatibility())) {
      const bool written = std::all_of(move.services.begin(), move.services.end(), [&](auto& svc) {
        const TargetState* t = std::as_const(s()).target(svc);
        return t && t->mode == move.mode;
      });
      if (!written) {
        act({ActionKind::kSetFlags, 0, move.mode, move.services});
        d.events.push_back(
            {s().phase == Phase::kRollingBack ? "Warning" : "Normal", "FlagsSet",
             move.who + " (" + join(move.services) + ") -> " + to_string(move.mode)});
        return false;
      }
      const bool acked = std::all_of(move.services.begin(), move.services.end(), [&](auto& svc) {
        const TargetState* t = std::as_const(s()).target(svc);
        return t && t->acknowledged == move.mode;
      });
      if (!acked) {
        d.requeue_after = kBarrierPoll;
        return false;
      }
      s().acked_mode = move.mode;
      const bool newly = std::any_of(move.services.begin(), move.services.end(), [&](auto& svc) {
        const TargetState* t = before.target(svc);
        return !t || t->acknowledged != move.mode;
      });
      if (newly) {
        d.events.push_back(
            {"Normal", "FlagsAcknowledged",
             move.who + " (" + join(move.services) + ") acknowledged " + to_string(move.mode)});
      }
    }
    return true;
  }

  // Folds the barrier's observations into status.targets[] (an older status that knew only
  // one mode for all targets is read as each target in that mode).
  void observe_targets() {
    for (const auto& t : spec.targets) {
      const bool known = std::as_const(s()).target(t.service) != nullptr;
      TargetState& st = s().target_entry(t.service);
      if (!known && s().flag_mode) st.mode = s().flag_mode;
      if (!st.mode) continue;
      auto a = obs.acknowledged.find(t.service);
      st.acknowledged =
          a != obs.acknowledged.end() ? std::optional<FlagMode>(a->second) : std::nullopt;
      if (auto b = obs.barrier.find(t.service); b != obs.barrier.end()) st.detail = b->second;
    }
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  }

  // spec.events: the new schema is registered (after the plan checked it) before any DDL or
  // flag moves. True when it is.
  bool event_schema_registered() {
    if (!spec.events || (s().events && s().events->schema_id != 0)) return true;
    act({ActionKind::kRegisterEventSchema, 0});
    return false;
  }

  // spec.events.contractSchema: checked and registered before contract. True when it is. A
  // refusal holds the migration here, and the registry is asked again every
  // kRegistryRecheck: the cure may be in the registry (its compatibility rule), not the spec.
  bool contract_schema_registered() {
    if (!spec.events || !spec.events->contract_schema) return true;
    if (s().events && s().events->contract_schema_id != 0) return true;
    if (s().events && !s().events->contract_refused.empty()) {
      const auto at = parse_rfc3339(s().events->contract_refused_at);
      const auto t = parse_rfc3339(now);
      const bool recheck = s().events->contract_refused_generation != spec.generation || !at ||
                           !t || *t - *at >= kRegistryRecheck;
      if (!recheck) {
        stall("ContractSchemaRefused",
              "the registry refused spec.events.contractSchema for subject " +
                  spec.events->subject + ": " + s().events->contract_refused +
                  "; correct it (or the subject's compatibility), or abort (rollback is still "
                  "lossless); asked again every " +
                  std::to_string(kRegistryRecheck.count() / 1000) + " s");
        d.requeue_after = kRegistryRecheck;
        return false;
      }
    }
    act({ActionKind::kRegisterEventSchema, 1});
    return false;
  }

  bool trigger_mode() const { return spec.dual_write.mode == DualWriteMode::kTrigger; }

  // Trigger mode: the trigger is in place before anything relies on it (true when it is).
  bool trigger_installed() {
    if (!trigger_mode() || s().dual_write_trigger == kTriggerInstalled) return true;
    act({ActionKind::kInstallDualWriteTrigger});
    return false;
  }

  // Trigger mode: the trigger is gone before a step drops a column it reads (true when it is).
  // Asked even if the status never saw it installed: an install may have committed unrecorded.
  bool trigger_removed() {
    if (!trigger_mode() || s().dual_write_trigger == kTriggerRemoved) return true;
    act({ActionKind::kRemoveDualWriteTrigger});
    return false;
  }

  Phase after_expand() const {
    if (!spec.targets.empty()) return Phase::kDualWriting;
    return spec.backfill ? Phase::kBackfilling : Phase::kVerifying;
  }

  // One phase's work; returns true when it moved to another phase (and the loop goes on).
  bool step() {
    const int expand_n = static_cast<int>(spec.expand_sql.size());
    const int contract_n = static_cast<int>(spec.contract_sql.size());
    const int rollback_n = static_cast<int>(spec.rollback_sql.size());
    switch (s().phase) {
      case Phase::kPending: {
        const Condition* planned = s().condition("Planned");
        if (!s().plan_hash.empty()) {
          enter(Phase::kPlanned, "PlanAccepted", "plan " + s().plan_hash);
          return true;
        }
        if (planned && planned->status == "False" &&
            planned->observed_generation == spec.generation) {
          stall("PlanRejected", planned->message);  // until the manifest changes
          return false;
        }
        act({ActionKind::kPlan});
        return false;
      }
      case Phase::kPlanned:
        enter(Phase::kExpanding, "Expanding");
        return true;
      case Phase::kExpanding:
        if (!event_schema_registered()) return false;
        if (s().expand_done < expand_n) {
          act({ActionKind::kExpandStep, s().expand_done});
          return false;
        }
        if (!trigger_installed()) return false;
        enter(after_expand(), "Expanded", std::to_string(expand_n) + " expand statements applied");
        return true;
      case Phase::kDualWriting:
        if (!flags_moved()) return false;
        enter(spec.backfill ? Phase::kBackfilling : Phase::kVerifying, "DualWriteAcknowledged",
              "every instance writes both shapes");
        return true;
      case Phase::kBackfilling:
        if (s().backfill.complete) {
          enter(Phase::kVerifying, "BackfillComplete",
                std::to_string(s().backfill.rows_done) + " rows");
          return true;
        }
        if (obs.gates.throttle) {
          d.requeue_after = kThrottlePoll;
          return false;
        }
        act({ActionKind::kBackfill});
        return false;
      case Phase::kVerifying:
        if (!s().verify_failure.empty()) {
          start_rollback("VerificationFailed", s().verify_failure);
          return true;
        }
        if (!s().verified) {
          act({ActionKind::kVerify});
          return false;
        }
        enter(spec.targets.empty() ? Phase::kAwaitingContract : Phase::kReadSwitching, "Verified");
        return true;
      case Phase::kReadSwitching:
        if (!flags_moved()) return false;
        enter(Phase::kAwaitingContract, "ReadersSwitched", "every instance reads the new shape");
        return true;
      case Phase::kAwaitingContract:
        if (obs.gates.evidence_pending) {
          d.requeue_after = kThrottlePoll;
          return false;
        }
        if (spec.approval == Approval::kAuto || spec.approve) {
          if (!contract_schema_registered()) return false;
          enter(Phase::kContracting, spec.approve ? "Approved" : "AutoApproved");
          return true;
        }
        d.requeue_after = kIdleResync;
        return false;
      case Phase::kContracting:
        if (!flags_moved()) return false;
        if (!trigger_removed()) return false;
        if (s().contract_done < contract_n) {
          act({ActionKind::kContractStep, s().contract_done});
          return false;
        }
        enter(Phase::kCompleted, "Completed",
              std::to_string(contract_n) + " contract statements applied");
        return true;
      case Phase::kRollingBack:
        if (!flags_moved()) return false;
        if (!trigger_removed()) return false;
        if (s().rollback_done < rollback_n) {
          act({ActionKind::kRollbackStep, s().rollback_done});
          return false;
        }
        enter(Phase::kRolledBack, "RolledBack", s().rollback_reason);
        return true;
      case Phase::kCompleted:
      case Phase::kRolledBack:
      case Phase::kFailed:
        return false;
    }
    return false;
  }

  void summarize() {
    auto& c = s().conditions;
    const auto gen = spec.generation;
    const Phase p = s().phase;
    const std::string phase = to_string(p);
    if (p == Phase::kCompleted) {
      set_condition(c, "Ready", "True", "Completed", "the migration completed", gen, now);
      set_condition(c, "Reconciling", "False", "Completed", "", gen, now);
      set_condition(c, "Stalled", "False", "Completed", "", gen, now);
    } else if (p == Phase::kRolledBack || p == Phase::kFailed) {
      const std::string msg = p == Phase::kFailed ? s().last_error : s().rollback_reason;
      set_condition(c, "Ready", "False", phase, msg, gen, now);
      set_condition(c, "Reconciling", "False", phase, "", gen, now);
      set_condition(c, "Stalled", "True", phase, msg, gen, now);
    } else if (stalled) {
      set_condition(c, "Ready", "False", stalled_reason, stalled_message, gen, now);
      set_condition(c, "Reconciling", "False", stalled_reason, "", gen, now);
      set_condition(c, "Stalled", "True", stalled_reason, stalled_message, gen, now);
    } else {
      std::string msg = "phase " + phase;
      if (p == Phase::kBackfilling) {
        msg += ": " + std::to_string(s().backfill.rows_done) + " of ~" +
               std::to_string(s().backfill.rows_estimated) + " rows";
      }
      if ((p == Phase::kDualWriting || p == Phase::kReadSwitching || p == Phase::kContracting ||
           p == Phase::kRollingBack) &&
          !obs.barrier_detail.empty()) {
        msg += ": " + obs.barrier_detail;
      }
      if (p == Phase::kAwaitingContract && obs.gates.evidence_pending) {
        msg += ": waiting for evidence that old readers are gone: " + obs.gates.evidence_reason;
      }
      if (!s().last_error.empty()) msg += "; last error: " + s().last_error;
      set_condition(c, "Ready", "False", phase, msg, gen, now);
      set_condition(c, "Reconciling", "True", phase, msg, gen, now);
      set_condition(c, "Stalled", "False", phase, "", gen, now);
    }
    const bool awaiting =
        p == Phase::kAwaitingContract && spec.approval == Approval::kManual && !spec.approve;
    set_condition(c, "AwaitingApproval", awaiting ? "True" : "False",
                  awaiting ? "ManualApproval" : "NotAwaiting",
                  awaiting
                      ? "set spec.approve: true or annotate schemashift.io/approve=true to contract"
                      : "",
                  gen, now);
    set_condition(c, "Paused", spec.paused && !is_terminal(p) ? "True" : "False",
                  spec.paused ? "PausedBySpec" : "NotPaused", "", gen, now);
    if (obs.gates.abort) {
      set_condition(c, "GatesPassing", "False", "GateFailed", obs.gates.abort_reason, gen, now);
    } else if (obs.gates.throttle) {
      set_condition(c, "GatesPassing", "False", "Throttled", obs.gates.throttle_reason, gen, now);
    } else {
      set_condition(c, "GatesPassing", "True", "GatesPassing", "", gen, now);
    }
  }
};

// status.api: the counts as measured, each client's last call (when its count grew) and since
// when no client has called.
ApiStatus merged_api_use(const std::optional<ApiStatus>& before, ApiStatus now_use,
                         const std::string& now) {
  bool called = false;
  for (auto& c : now_use.clients) {
    const ApiClientUse* prev = nullptr;
    if (before)
      for (const auto& p : before->clients)
        if (p.client == c.client) prev = &p;
    if (!prev || c.requests > prev->requests) {
      c.last_seen = now;
      called = true;
    } else {
      c.last_seen = prev->last_seen;
    }
  }
  now_use.silent_since = called                                    ? ""
                         : before && !before->silent_since.empty() ? before->silent_since
                                                                   : now;
  return now_use;
}

}  // namespace

Decision decide(const MigrationSpec& spec, const MigrationStatus& status, const Observations& obs,
                const std::string& now) {
  Machine m{status, spec, obs, now, Decision{status, {}, std::nullopt, {}}};
  auto& s = m.s();
  s.observed_generation = spec.generation;
  m.observe_targets();
  if (obs.api_use) s.api = merged_api_use(status.api, *obs.api_use, now);

  if (!is_terminal(s.phase)) {
    const Phase p = s.phase;
    const bool started = p != Phase::kPending;
    if (started && !s.plan_hash.empty() && plan_hash(spec) != s.plan_hash &&
        p != Phase::kRollingBack) {
      m.stall("PlanChanged", "the steps changed after the migration started (plan " + s.plan_hash +
                                 ", now " + plan_hash(spec) +
                                 "); restore them, or abort and create a new migration");
    } else if (spec.abort && p != Phase::kRollingBack) {
      if (can_roll_back(p)) {
        m.start_rollback("Aborted", "abort requested");
      } else if (!s.condition("Stalled") || s.condition("Stalled")->reason != "AbortRefused") {
        m.d.events.push_back(
            {"Warning", "AbortRefused",
             "abort ignored: " + to_string(p) + " has begun dropping the old shape"});
      }
    } else if (obs.gates.abort && started) {
      if (can_roll_back(p)) {
        m.start_rollback("GateFailed", obs.gates.abort_reason);
      } else if (p == Phase::kContracting) {
        m.stall("GateFailedDuringContract",
                obs.gates.abort_reason +
                    "; contract has begun, so the migration is held, not rolled back");
      }
    } else if (!s.last_error.empty() && !s.last_error_retriable) {
      if (s.phase == Phase::kRollingBack || !can_roll_back(p)) {
        m.enter(Phase::kFailed, "StepFailed", s.last_error);
      } else {
        m.start_rollback("StepFailed", s.last_error);
      }
    }
  }

  const bool rolling_back = s.phase == Phase::kRollingBack;
  if (!m.stalled && !is_terminal(s.phase)) {
    if (spec.paused && !rolling_back) {
      m.d.requeue_after = std::nullopt;  // a spec change resumes it
    } else if (obs.database_error) {
      s.last_error = *obs.database_error;
      s.last_error_retriable = true;
      m.d.requeue_after = kDatabaseRetry;
    } else {
      for (int i = 0; i < 16 && m.step(); ++i) {
      }
    }
  }
  m.summarize();
  return std::move(m.d);
}

MigrationStatus apply_outcome(const MigrationSpec& spec, MigrationStatus s, const Outcome& o,
                              const std::string& now) {
  // A plan that could not be made (a database or registry that did not answer) is tried
  // again; a plan refused (findings, or a failure no retry cures) waits for a new manifest.
  if (!o.ok && (o.action.kind != ActionKind::kPlan || o.retriable)) {
    s.last_error = o.error;
    s.last_error_retriable = o.retriable;
    // Say so at once, not only at the next reconcile.
    const Condition* r = s.condition("Reconciling");
    if (r && r->status == "True") {
      set_condition(s.conditions, "Reconciling", "True", r->reason,
                    "phase " + to_string(s.phase) + "; last error: " + o.error, spec.generation,
                    now);
    }
    return s;
  }
  s.last_error.clear();
  switch (o.action.kind) {
    case ActionKind::kPlan:
      if (spec.events && !o.compatibility.empty())
        s.events = EventsStatus{spec.events->subject, o.compatibility};
      if (o.ok && o.findings.empty()) {
        s.plan_hash = o.plan_hash;
        set_condition(s.conditions, "Planned", "True", "PlanAccepted", "plan " + o.plan_hash,
                      spec.generation, now);
      } else {
        std::string msg = o.error;
        for (const auto& f : o.findings) msg += (msg.empty() ? "" : "; ") + f;
        set_condition(s.conditions, "Planned", "False", "PlanRejected", msg, spec.generation, now);
      }
      break;
    case ActionKind::kExpandStep:
      s.expand_done = std::max(s.expand_done, o.action.step + 1);
      break;
    case ActionKind::kContractStep:
      s.contract_done = std::max(s.contract_done, o.action.step + 1);
      break;
    case ActionKind::kRollbackStep:
      s.rollback_done = std::max(s.rollback_done, o.action.step + 1);
      break;
    case ActionKind::kSetFlags:
      s.flag_mode = o.action.mode;
      s.acked_mode.reset();
      for (const auto& svc : o.action.targets) {
        TargetState& t = s.target_entry(svc);
        t.mode = o.action.mode;
        t.acknowledged.reset();
      }
      break;
    case ActionKind::kRegisterEventSchema: {
      if (!s.events) s.events = EventsStatus{spec.events ? spec.events->subject : ""};
      if (o.action.step == 0) {
        s.events->schema_id = o.schema_id;
      } else if (!o.refused.empty()) {
        s.events->contract_refused = o.refused;
        s.events->contract_refused_generation = spec.generation;
        s.events->contract_refused_at = now;
      } else {
        s.events->contract_schema_id = o.schema_id;
        s.events->contract_refused.clear();
      }
      break;
    }
    case ActionKind::kBackfill:
      s.backfill = o.backfill;
      break;
    case ActionKind::kInstallDualWriteTrigger:
      s.dual_write_trigger = kTriggerInstalled;
      break;
    case ActionKind::kRemoveDualWriteTrigger:
      s.dual_write_trigger = kTriggerRemoved;
      break;
    case ActionKind::kVerify:
      s.verified = o.verify_failures.empty();
      s.verify_failure.clear();
      for (const auto& f : o.verify_failures)
        s.verify_failure += (s.verify_failure.empty() ? "" : "; ") + f;
      break;
  }
  return s;
}

}  // namespace schemashift::migration
