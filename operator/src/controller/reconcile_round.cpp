#include "controller/reconcile_round.h"

#include <algorithm>

#include "common/failpoint.h"
#include "controller/event_actions.h"

namespace schemashift::controller {

namespace {

// status.api from the apiTraffic provider's per-client counts.
migration::ApiStatus api_use(const migration::ApiSpec& api,
                             const std::vector<gates::ClientRequests>& clients) {
  migration::ApiStatus out{api.old_version};
  for (const auto& c : clients)
    out.clients.push_back({c.client, static_cast<std::int64_t>(c.requests), ""});
  return out;
}

// One action: the registry's (spec.events) or the database's; a plan with spec.events is also
// the registry's verdict. What the registry did is announced as an event.
migration::Outcome run_action(PgRunner& runner, const migration::Action& action,
                              const migration::MigrationSpec& spec,
                              const migration::MigrationStatus& status,
                              std::vector<migration::Event>& events) {
  if (action.kind != migration::ActionKind::kRegisterEventSchema) {
    migration::Outcome o = runner.run(action, spec, status);
    if (action.kind == migration::ActionKind::kPlan && spec.events)
      check_event_plan(*spec.events, o);
    return o;
  }
  migration::Outcome o = register_event_schema(action, *spec.events);
  const char* which = action.step == 0 ? "schema" : "contract schema";
  if (o.ok && o.refused.empty()) {
    events.push_back({"Normal", "EventSchemaRegistered",
                      std::string(which) + " registered under subject " + spec.events->subject +
                          " with id " + std::to_string(o.schema_id)});
  } else if (o.ok) {
    events.push_back({"Warning", "ContractSchemaRefused",
                      "the registry refused the contract schema for subject " +
                          spec.events->subject + ": " + o.refused});
  }
  return o;
}

}  // namespace

void observe_barriers(PgRunner& runner, const migration::MigrationSpec& spec,
                      const migration::MigrationStatus& status, const ReadyReplicas& ready,
                      migration::Observations& obs) {
  for (auto& [service, b] : runner.barriers(spec, status, ready)) {
    obs.barrier[service] = b.detail;
    obs.barrier_detail += (obs.barrier_detail.empty() ? "" : "; ") + service + ": " + b.detail;
    const auto mode = status.target_mode(service);
    if (b.held && mode) obs.acknowledged[service] = *mode;
  }
  if (!obs.acknowledged.empty()) failpoint("barrier.passed");
}

Round run_round(PgRunner* runner, const migration::MigrationSpec& spec,
                const migration::MigrationStatus& current, migration::Observations obs,
                const RoundHooks& hooks, const std::string& now) {
  migration::MigrationStatus status = current;
  std::vector<migration::Event> gate_events;
  const Measure measure =
      hooks.measure ? hooks.measure
                    : Measure([runner](const gates::GateSpec& g) { return runner->measure(g); });
  // Gates judge a migration on its way forward; a rollback under way is not held by them.
  if (runner && !spec.gates.empty() && !migration::is_terminal(status.phase) &&
      status.phase != migration::Phase::kPending &&
      status.phase != migration::Phase::kRollingBack) {
    runner->set_backfill_slice(evaluate_gates(measure, spec, status, obs, now, gate_events));
  }
  if (runner && spec.api)
    obs.api_use = api_use(*spec.api, runner->api_clients(migration::kApiEvidenceGate));
  Round round;
  round.decision = migration::decide(spec, status, obs, now);
  auto& d = round.decision;
  d.events.insert(d.events.begin(), gate_events.begin(), gate_events.end());
  migration::MigrationStatus& next = round.next;
  next = d.status;
  if (runner && obs.gates.throttle && next.phase == migration::Phase::kBackfilling) {
    // The status shows the smaller batch at once (no batch runs while the gate holds).
    if (const int batch = runner->hold_backfill(); batch > 0) next.backfill.batch_size = batch;
  }
  if (next.phase != status.phase && !d.actions.empty()) {
    if (runner) runner->record_phase(migration::to_string(next.phase));  // the same in the DB
    if (hooks.phase_started) hooks.phase_started(next);
  }
  if (!runner) return round;
  // Throttle gates are checked before every batch, not only every interval, so the backfill
  // overshoots a lag limit by at most one batch. A trip is recorded in the gate's state.
  runner->set_backfill_guard(
      throttle_guard([r = runner](const gates::GateSpec& g) { return r->measure(g); }, spec, next,
                     now, gate_events));
  if (hooks.warn) runner->set_warning_sink(hooks.warn);
  for (const auto& action : d.actions) {
    migration::Outcome o = run_action(*runner, action, spec, next, d.events);
    o.action = action;
    next = migration::apply_outcome(spec, next, o, now);
    if (!o.ok) {
      round.failed = true;
      round.lock_not_granted = o.lock_not_granted;
      break;
    }
  }
  runner->set_backfill_guard({});  // it refers to this round's state
  runner->set_warning_sink({});
  runner->record_phase(migration::to_string(next.phase));
  for (const auto& e : gate_events) {
    if (std::find_if(d.events.begin(), d.events.end(), [&](const migration::Event& x) {
          return x.note == e.note;
        }) == d.events.end()) {
      d.events.push_back(e);
    }
  }
  return round;
}

}  // namespace schemashift::controller
