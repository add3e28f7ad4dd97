#include "gates/metrics_gate.h"

#include "gates/http_get.h"

#include <cstdio>

namespace schemashift::gates {

Measurement MetricsProvider::measure(const std::string& gate, const nlohmann::json& params) {
  if (params.contains("deployment")) return measure_pods(gate, params);
  const std::string url = params.value("url", "");
  auto body = http_get(url, "/metrics");
  if (!body) return {MeasurementKind::kError, 0, "scrape " + body.error()};
  std::vector<Sample> now = parse_prometheus_text(*body);
  std::vector<Sample> before;
  {
    std::lock_guard lock(mu_);
    auto it = previous_.find(gate);
    const bool first = it == previous_.end();
    if (!first) before = std::move(it->second);
    previous_[gate] = now;
    if (first)
      return {MeasurementKind::kNoData, 0, "first scrape of " + url + ": a rate needs two"};
  }
  char buf[160];
  if (params.contains("histogram")) {
    auto h = Selector::parse(params.value("histogram", ""));
    if (!h) return {MeasurementKind::kError, 0, "histogram selector is not valid"};
    const double q = params.value("quantile", 0.99);
    auto v = quantile_between(before, now, *h, q);
    if (!v)
      return {MeasurementKind::kNoData, 0,
              "no observations of " + h->name + " since the last scrape"};
    std::snprintf(buf, sizeof(buf), "p%g of %s = %.4g", q * 100, h->name.c_str(), *v);
    return {MeasurementKind::kValue, *v, buf};
  }
  if (params.contains("counter")) {
    auto c = Selector::parse(params.value("counter", ""));
    if (!c) return {MeasurementKind::kError, 0, "counter selector is not valid"};
    const double v = increase_between(before, now, *c);
    std::snprintf(buf, sizeof(buf), "%s increased by %.4g since the last scrape", c->name.c_str(),
                  v);
    return {MeasurementKind::kValue, v, buf};
  }
  auto errors = Selector::parse(params.value("errors", "")),
       total = Selector::parse(params.value("total", ""));
  if (!errors || !total)
    return {MeasurementKind::kError, 0, "errors and total selectors are not valid"};
  auto v = ratio_between(before, now, *errors, *total);
  if (!v) return {MeasurementKind::kNoData, 0, "no " + total->name + " since the last scrape"};
  std::snprintf(buf, sizeof(buf), "error ratio %.4g (%s over %s)", *v, errors->name.c_str(),
                total->name.c_str());
  return {MeasurementKind::kValue, *v, buf};
}

// Every serving pod of a Deployment (params.podUrls, filled in by the reconciler): each pod's
// increase against its own previous scrape, summed. A pod not seen before counts from zero,
// one whose counters went down restarted (counted from zero too); a pod that cannot be
// scraped makes the measurement an error, never a clean value.
Measurement MetricsProvider::measure_pods(const std::string& gate, const nlohmann::json& params) {
  const bool counter = params.contains("counter");
  if (params.contains("histogram"))
    return {MeasurementKind::kError, 0,
            "histogram needs url: a quantile cannot be summed over pods"};
  auto c = Selector::parse(params.value("counter", ""));
  auto errors = Selector::parse(params.value("errors", "")),
       total = Selector::parse(params.value("total", ""));
  if (counter ? !c : (!errors || !total))
    return {MeasurementKind::kError, 0,
            counter ? "counter selector is not valid" : "errors and total selectors are not valid"};
  std::vector<std::string> urls;
  for (const auto& u : params.value("podUrls", nlohmann::json::array()))
    if (u.is_string()) urls.push_back(u.get<std::string>());
  const std::string deployment = params.value("deployment", "");
  if (urls.empty()) return {MeasurementKind::kNoData, 0, "no serving pod of " + deployment};
  std::vector<std::pair<std::string, std::vector<Sample>>> pages;
  for (const auto& url : urls) {
    auto body = http_get(url, "/metrics");
    if (!body) return {MeasurementKind::kError, 0, "scrape " + url + ": " + body.error()};
    pages.emplace_back(url, parse_prometheus_text(*body));
  }
  double num = 0, den = 0;
  bool first = false;
  {
    std::lock_guard lock(mu_);
    first = !seen_.count(gate);
    seen_.insert(gate);
    for (auto& [url, now] : pages) {
      const std::string key = gate + "\n" + url;
      const std::vector<Sample> none;
      auto it = previous_.find(key);
      const std::vector<Sample>& before = it == previous_.end() ? none : it->second;
      if (counter) {
        num += increase_between(before, now, *c);
      } else {
        num += increase_between(before, now, *errors);
        den += increase_between(before, now, *total);
      }
      previous_[key] = std::move(now);
    }
  }
  if (first)
    return {MeasurementKind::kNoData, 0,
            "first scrape of " + std::to_string(pages.size()) + " pods of " + deployment +
                ": a rate needs two"};
  char buf[200];
  if (counter) {
    std::snprintf(buf, sizeof(buf), "%s increased by %.4g over %zu pods of %s", c->name.c_str(),
                  num, pages.size(), deployment.c_str());
    return {MeasurementKind::kValue, num, buf};
  }
  if (den <= 0)
    return {MeasurementKind::kNoData, 0, "no " + total->name + " since the last scrape"};
  const double ratio = num / den;
  std::snprintf(buf, sizeof(buf), "error ratio %.4g (%s over %s, %zu pods of %s)", ratio,
                errors->name.c_str(), total->name.c_str(), pages.size(), deployment.c_str());
  return {MeasurementKind::kValue, ratio, buf};
}

}  // namespace schemashift::gates
