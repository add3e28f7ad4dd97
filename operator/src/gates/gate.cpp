#include "gates/gate.h"

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
          {"lastCheckedMs", last_checked_ms}};
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
  return s;
}

Verdict standing_verdict(const GateSpec& spec, const GateState& s) {
  if (spec.dry_run) return Verdict::kPass;
  if (s.phase == "Throttling") return Verdict::kThrottle;
  if (s.phase == "Inconclusive")
    return spec.no_data == NoDataPolicy::kPause ? Verdict::kPause : Verdict::kAbort;
  if (s.phase == "Failed" || s.phase == "Error") {
    return spec.action == GateAction::kAbort ? Verdict::kAbort : Verdict::kThrottle;
  }
  if (s.phase == "Pending") return Verdict::kPause;  // not measured yet: no data never passes
  return Verdict::kPass;
}

Evaluation evaluate(const GateSpec& spec, GateState s, const Measurement& m, const std::string& now,
                    std::int64_t now_ms) {
  s.name = spec.name;
  s.last_checked = now;
  s.last_checked_ms = now_ms;
  s.last_detail = m.detail;
  switch (m.kind) {
    case MeasurementKind::kError:
      ++s.errors;
      ++s.consecutive_errors;
      if (s.consecutive_errors > spec.consecutive_error_limit) s.phase = "Error";
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
  if (s.phase == "Pending") s.phase = "Passing";  // errors below the limit on a first check
  return {s, standing_verdict(spec, s)};
}

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
    if (s.provider != "postgresReplicaLag" && s.provider != "web" &&
        s.provider != "kafkaConsumerLag" && s.provider != "metrics") {
      errors.push_back(p + ".provider: \"" + s.provider +
                       "\" is not available yet (supported: postgresReplicaLag, kafkaConsumerLag, "
                       "metrics, web)");
      continue;
    }
    // Lag gates throttle, SLO gates abort, unless the gate says otherwise.
    const std::string fallback =
        s.provider == "web" || s.provider == "metrics" ? "Abort" : "Throttle";
    s.action = g.value("action", fallback) == "Abort" ? GateAction::kAbort : GateAction::kThrottle;
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
      const bool ratio = g.contains("errors") && g.contains("total"),
                 quantile = g.contains("histogram");
      if (ratio == quantile) {
        errors.push_back(
            p + ": give either errors and total (an error ratio) or histogram and quantile");
      }
      if (!g.contains("max") || !g["max"].is_number())
        errors.push_back(p + ".max: a number is required");
      s.max = g.value("max", 0.0);
    } else if (s.provider == "web") {
      if (g.value("url", "").rfind("http", 0) != 0)
        errors.push_back(p + ".url: an http:// or https:// URL is required");
      if (g.value("jsonPath", "").empty()) errors.push_back(p + ".jsonPath: is required");
      if (!g.contains("max") || !g["max"].is_number())
        errors.push_back(p + ".max: a number is required");
      s.max = g.value("max", 0.0);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace schemashift::gates
