#include "gates/metrics_gate.h"

#include "gates/http_get.h"

#include <cstdio>

namespace schemashift::gates {

Measurement MetricsProvider::measure(const std::string& gate, const nlohmann::json& params) {
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

}  // namespace schemashift::gates
