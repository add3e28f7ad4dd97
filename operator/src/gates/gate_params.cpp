#include "gates/gate_params.h"

#include <algorithm>

namespace schemashift::gates {

using nlohmann::json;

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
      const bool pods = g.contains("deployment");
      if (pods && g.contains("url"))
        errors.push_back(p + ".url: give url or deployment (every pod of it), not both");
      if (pods && (!g["deployment"].is_string() || g.value("deployment", "").empty()))
        errors.push_back(p + ".deployment: a Deployment's name is required");
      if (pods && g.contains("histogram"))
        errors.push_back(p + ".histogram: needs url (a quantile cannot be summed over pods)");
      if (!pods && g.value("url", "").rfind("http", 0) != 0)
        errors.push_back(p + ".url: an http:// or https:// URL (or deployment) is required");
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
