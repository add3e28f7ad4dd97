#include "gates/gate.h"

#include <algorithm>

namespace schemashift::gates {

using nlohmann::json;

json GateState::to_json() const {
  return {{"name", name},
          {"phase", phase},
          {"successes", successes},
          {"failures", failures},
          {"inconclusive", inconclusive},
          {"errors", errors},
          {"consecutiveErrors", consecutive_errors},
          {"tripped", tripped},
          {"lastValue", last_value},
          {"lastDetail", last_detail},
          {"lastChecked", last_checked},
          {"lastCheckedMs", last_checked_ms},
          {"cleanSinceMs", clean_since_ms},
          {"cleanStreak", clean_streak}};
}

GateState GateState::from_json(const json& j) {
  GateState s;
  s.name = j.value("name", "");
  s.phase = j.value("phase", "Pending");
  s.successes = j.value("successes", 0);
  s.failures = j.value("failures", 0);
  s.inconclusive = j.value("inconclusive", 0);
  s.errors = j.value("errors", 0);
  s.consecutive_errors = j.value("consecutiveErrors", 0);
  s.tripped = j.value("tripped", false);
  s.last_value = j.value("lastValue", 0.0);
  s.last_detail = j.value("lastDetail", "");
  s.last_checked = j.value("lastChecked", "");
  s.last_checked_ms = j.value("lastCheckedMs", std::int64_t{0});
  s.clean_since_ms = j.value("cleanSinceMs", std::int64_t{0});
  s.clean_streak = j.value("cleanStreak", 0);
  return s;
}

Verdict standing_verdict(const GateSpec& spec, const GateState& s) {
  if (spec.dry_run) return Verdict::kPass;
  if (spec.action == GateAction::kEvidence) {
    return s.phase == "Satisfied" ? Verdict::kPass : Verdict::kAwaitEvidence;
  }
  if (s.phase == "Successful") return Verdict::kPass;
  if (s.phase == "Throttling") return Verdict::kThrottle;
  if (s.phase == "Inconclusive")
    return spec.no_data == NoDataPolicy::kPause ? Verdict::kPause : Verdict::kAbort;
  if (s.phase == "Failed" || s.phase == "Error") {
    return spec.action == GateAction::kAbort ? Verdict::kAbort : Verdict::kThrottle;
  }
  if (s.phase == "Pending") return Verdict::kPause;  // not measured yet: no data never passes
  return Verdict::kPass;
}

bool measuring(const GateSpec& spec, const GateState& s) {
  // Evidence keeps being measured while contract waits: a reader that comes back undoes it.
  if (spec.action == GateAction::kEvidence) return true;
  return s.phase != "Successful" && !(spec.count > 0 && s.measurements() >= spec.count);
}

namespace {

// Evidence: clean means a value at or under the limit; anything else starts the window over.
void judge_evidence(const GateSpec& spec, GateState& s, const Measurement& m, std::int64_t now_ms) {
  const bool clean = m.kind == MeasurementKind::kValue && m.value <= spec.max;
  if (m.kind == MeasurementKind::kValue) s.last_value = m.value;
  if (m.kind == MeasurementKind::kNoData) ++s.inconclusive;
  if (!clean) {
    if (m.kind == MeasurementKind::kValue) ++s.failures;
    s.clean_since_ms = 0;
    s.clean_streak = 0;
    s.phase = m.kind == MeasurementKind::kNoData ? "Inconclusive" : "Waiting";
    return;
  }
  ++s.successes;
  if (s.clean_streak++ == 0) s.clean_since_ms = now_ms;
  const bool window_over = now_ms - s.clean_since_ms >= spec.window.count();
  s.phase = window_over && s.clean_streak >= std::max(1, spec.count) ? "Satisfied" : "Gathering";
}

}  // namespace

Evaluation evaluate(const GateSpec& spec, GateState s, const Measurement& m, const std::string& now,
                    std::int64_t now_ms) {
  s.name = spec.name;
  s.last_checked = now;
  s.last_checked_ms = now_ms;
  s.last_detail = m.detail;
  if (spec.action == GateAction::kEvidence && m.kind != MeasurementKind::kError) {
    s.consecutive_errors = 0;
    judge_evidence(spec, s, m, now_ms);
    return {s, standing_verdict(spec, s)};
  }
  switch (m.kind) {
    case MeasurementKind::kError:
      ++s.errors;
      ++s.consecutive_errors;
      if (s.consecutive_errors >= spec.consecutive_error_limit) s.phase = "Error";
      // Below the limit an error changes nothing: the previous standing holds.
      break;
    case MeasurementKind::kNoData:
      ++s.inconclusive;
      s.consecutive_errors = 0;
      s.phase = spec.no_data == NoDataPolicy::kPause ? "Inconclusive" : "Failed";
      if (spec.no_data == NoDataPolicy::kFail) ++s.failures;
      break;
    case MeasurementKind::kValue: {
      s.consecutive_errors = 0;
      s.last_value = m.value;
      const bool over = m.value > spec.max;
      if (spec.action == GateAction::kThrottle) {
        // Hysteresis: once tripped, release only under the resume level.
        if (over) s.tripped = true;
        if (s.tripped && m.value <= spec.max * spec.resume_ratio) s.tripped = false;
        if (s.tripped) {
          ++s.failures;
          s.phase = "Throttling";
        } else {
          ++s.successes;
          s.phase = "Passing";
        }
      } else if (over) {
        ++s.failures;
        s.phase = s.failures > spec.failure_limit ? "Failed" : "Passing";
      } else {
        ++s.successes;
        if (s.phase != "Failed") s.phase = "Passing";  // an aborting gate stays failed
      }
      break;
    }
  }
  // Errors below the limit on a first check leave the gate unmeasured: it was never seen to
  // pass, so it holds (Pending pauses) until a reading comes or the errors reach the limit.
  // Taking it as Passing let a source that never answered wave the first batches through.
  if (s.phase == "Pending" && spec.action == GateAction::kEvidence) s.phase = "Waiting";
  if (spec.action == GateAction::kEvidence && s.phase == "Error") {
    s.clean_since_ms = 0;
    s.clean_streak = 0;
  }
  if (spec.action != GateAction::kEvidence && spec.count > 0 && s.measurements() >= spec.count &&
      s.phase != "Failed" && s.phase != "Error") {
    s.phase = "Successful";
    s.tripped = false;
  }
  return {s, standing_verdict(spec, s)};
}

}  // namespace schemashift::gates
