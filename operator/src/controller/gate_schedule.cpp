#include "controller/gate_schedule.h"

#include <algorithm>

namespace schemashift::controller {

namespace {

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Folds a measurement into a gate's state; a change of the gate's phase becomes an event.
void record_measurement(const gates::GateSpec& g, gates::GateState& st, const gates::Measurement& m,
                        const std::string& now, std::vector<migration::Event>& events) {
  const std::string before = st.phase;
  st = gates::evaluate(g, st, m, now, epoch_ms()).state;
  if (st.phase != before) {
    const bool good = st.phase == "Passing" || st.phase == "Satisfied" ||
                      st.phase == "Successful" || st.phase == "Gathering";
    events.push_back({good ? "Normal" : "Warning", "Gate" + st.phase,
                      "gate " + g.name + " " + before + " -> " + st.phase + ": " + st.last_detail});
  }
}

std::chrono::milliseconds evaluate_gates(const Measure& measure,
                                         const migration::MigrationSpec& spec,
                                         migration::MigrationStatus& status,
                                         migration::Observations& obs, const std::string& now,
                                         std::vector<migration::Event>& events) {
  const auto now_ms = epoch_ms();
  std::vector<gates::GateState> next;
  auto slice = std::chrono::milliseconds(1000);
  for (const auto& g : spec.gates) {
    gates::GateState st;
    for (const auto& old : status.gates) {
      if (old.name == g.name) st = old;
    }
    // Evidence is gathered only while contract waits (before that, the old shape is still
    // legitimately read); other gates are measured on their interval until `count` ends them.
    const bool evidence = g.action == gates::GateAction::kEvidence;
    // Until then an unmet evidence gate still says "wait", so a migration entering
    // AwaitingContract within one decision stops there for the evidence.
    if (gates::measuring(g, st) &&
        (!evidence || status.phase == migration::Phase::kAwaitingContract) &&
        (st.last_checked_ms == 0 || now_ms - st.last_checked_ms >= g.interval.count())) {
      record_measurement(g, st, measure(g), now, events);
    }
    const auto verdict = gates::standing_verdict(g, st);
    const std::string why = g.name + ": " + st.last_detail;
    if (verdict == gates::Verdict::kAwaitEvidence) {
      obs.gates.evidence_pending = true;
      obs.gates.evidence_reason += (obs.gates.evidence_reason.empty() ? "" : "; ") + g.name + " " +
                                   st.phase + " (" + st.last_detail + ")";
    } else if (verdict == gates::Verdict::kAbort) {
      obs.gates.abort = true;
      obs.gates.abort_reason += (obs.gates.abort_reason.empty() ? "" : "; ") + why;
    } else if (verdict == gates::Verdict::kThrottle || verdict == gates::Verdict::kPause) {
      obs.gates.throttle = true;
      obs.gates.throttle_reason += (obs.gates.throttle_reason.empty() ? "" : "; ") + why;
    }
    if (g.action == gates::GateAction::kThrottle) slice = std::min(slice, g.interval);
    next.push_back(st);
  }
  status.gates = std::move(next);
  return slice;
}

std::function<bool()> throttle_guard(Measure measure, const migration::MigrationSpec& spec,
                                     migration::MigrationStatus& next, const std::string& now,
                                     std::vector<migration::Event>& events) {
  return [measure = std::move(measure), &spec, &next, &now, &events] {
    for (std::size_t i = 0; i < spec.gates.size() && i < next.gates.size(); ++i) {
      const auto& g = spec.gates[i];
      if (g.action != gates::GateAction::kThrottle || g.dry_run) continue;
      const gates::Measurement m = measure(g);
      if (m.kind == gates::MeasurementKind::kValue && m.value <= g.max) continue;
      if (m.kind == gates::MeasurementKind::kError) continue;  // counted at the next interval
      record_measurement(g, next.gates[i], m, now, events);
      return false;
    }
    return true;
  };
}

}  // namespace schemashift::controller
