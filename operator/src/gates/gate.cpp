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
  if (s.phase == "Pending") {
    // Errors below the limit on a first check (an evidence gate has no evidence yet).
    s.phase = spec.action == GateAction::kEvidence ? "Waiting" : "Passing";
  }
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

namespace {

// Evidence gates default to a limit of 0 (none at all); others must say where the limit is.
bool max_given(const json& g, const GateSpec& s) {
  if (g.contains("max")) return g["max"].is_number();
  return s.action == GateAction::kEvidence;
}

}  // namespace

std::vector<GateSpec> parse_gates(const json& gates, std::vector<std::string>& errors) {
  std::vector<GateSpec> out;
  if (gates.is_null()) return out;
  if (!gates.is_array()) {
    errors.push_back("spec.gates: must be a list");
    return out;
  }
  for (std::size_t i = 0; i < gates.size(); ++i) {
    const std::string p = "spec.gates[" + std::to_string(i) + "]";
    const json& g = gates[i];
    GateSpec s;
    s.name = g.value("name", "");
    s.provider = g.value("provider", "");
    if (s.name.empty()) errors.push_back(p + ".name: is required");
    static const std::vector<std::string> kProviders = {
        "postgresReplicaLag", "kafkaConsumerLag", "metrics", "prometheus", "web",
        "postgresStatements"};
    if (std::find(kProviders.begin(), kProviders.end(), s.provider) == kProviders.end()) {
      errors.push_back(p + ".provider: \"" + s.provider +
                       "\" is not a provider (one of postgresReplicaLag, kafkaConsumerLag, "
                       "metrics, prometheus, web, postgresStatements)");
      continue;
    }
    // Lag gates throttle, SLO gates abort, statement evidence holds contract, unless the gate
    // says otherwise.
    const std::string fallback =
        s.provider == "postgresStatements"                                             ? "Evidence"
        : s.provider == "web" || s.provider == "metrics" || s.provider == "prometheus" ? "Abort"
                                                                                       : "Throttle";
    const std::string action = g.value("action", fallback);
    if (action != "Throttle" && action != "Abort" && action != "Evidence") {
      errors.push_back(p + ".action: must be Throttle, Abort or Evidence");
    }
    s.action = action == "Abort"      ? GateAction::kAbort
               : action == "Evidence" ? GateAction::kEvidence
                                      : GateAction::kThrottle;
    s.count = g.value("count", 0);
    if (s.count < 0) errors.push_back(p + ".count: must not be negative");
    s.window =
        std::chrono::milliseconds(static_cast<long long>(g.value("windowSeconds", 0.0) * 1000));
    if (s.window.count() < 0) errors.push_back(p + ".windowSeconds: must not be negative");
    if (s.action != GateAction::kEvidence && g.contains("windowSeconds")) {
      errors.push_back(p + ".windowSeconds: only evidence gates (action: Evidence) have a window");
    }
    s.interval =
        std::chrono::milliseconds(static_cast<long long>(g.value("intervalSeconds", 2.0) * 1000));
    if (s.interval.count() < 100) errors.push_back(p + ".intervalSeconds: must be at least 0.1");
    s.failure_limit = g.value("failureLimit", 0);
    s.consecutive_error_limit = g.value("consecutiveErrorLimit", 4);
    const std::string inconclusive = g.value("inconclusive", "Pause");
    if (inconclusive != "Pause" && inconclusive != "Fail") {
      errors.push_back(p + ".inconclusive: must be Pause or Fail (missing data never passes)");
    }
    s.no_data = inconclusive == "Fail" ? NoDataPolicy::kFail : NoDataPolicy::kPause;
    s.dry_run = g.value("dryRun", false);
    s.params = g;
    if (s.provider == "postgresReplicaLag") {
      s.max = g.value("maxLagBytes", 16.0 * 1024 * 1024);
      if (s.max <= 0) errors.push_back(p + ".maxLagBytes: must be positive");
    } else if (s.provider == "kafkaConsumerLag") {
      for (const char* k : {"bootstrap", "group", "topic"}) {
        if (g.value(k, "").empty()) errors.push_back(p + "." + k + ": is required");
      }
      s.max = g.value("maxLag", 0.0);
    } else if (s.provider == "metrics") {
      if (g.value("url", "").rfind("http", 0) != 0)
        errors.push_back(p + ".url: an http:// or https:// URL is required");
      const int kinds = (g.contains("errors") && g.contains("total") ? 1 : 0) +
                        (g.contains("histogram") ? 1 : 0) + (g.contains("counter") ? 1 : 0);
      if (kinds != 1) {
        errors.push_back(p +
                         ": give one of errors and total (an error ratio), histogram and "
                         "quantile, or counter (its increase)");
      }
      if (!max_given(g, s)) errors.push_back(p + ".max: a number is required");
      s.max = g.value("max", 0.0);
    } else if (s.provider == "prometheus") {
      if (g.value("address", "").rfind("http", 0) != 0)
        errors.push_back(p +
                         ".address: the Prometheus server's http:// or https:// URL is required");
      if (g.value("query", "").empty()) errors.push_back(p + ".query: a PromQL query is required");
      if (!max_given(g, s)) errors.push_back(p + ".max: a number is required");
      s.max = g.value("max", 0.0);
    } else if (s.provider == "postgresStatements") {
      if (g.value("pattern", "").empty()) {
        errors.push_back(p +
                         ".pattern: a regular expression for the statements is required (e.g. "
                         "\\mtotal_cents\\M for the old column)");
      }
      s.max = g.value("max", 0.0);
    } else if (s.provider == "web") {
      if (g.value("url", "").rfind("http", 0) != 0)
        errors.push_back(p + ".url: an http:// or https:// URL is required");
      if (g.value("jsonPath", "").empty()) errors.push_back(p + ".jsonPath: is required");
      if (!max_given(g, s)) errors.push_back(p + ".max: a number is required");
      s.max = g.value("max", 0.0);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace schemashift::gates
