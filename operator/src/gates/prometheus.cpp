#include "gates/prometheus.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "common/url.h"
#include "gates/http_get.h"

namespace schemashift::gates {

namespace {

// Prometheus sample values are strings: "1.5", "NaN", "+Inf".
std::optional<double> sample_value(const nlohmann::json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_string()) return std::nullopt;
  const std::string v = pair[1].get<std::string>();
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str()) return std::nullopt;
  return d;
}

}  // namespace

Measurement measure_prometheus(const nlohmann::json& params) {
  std::string address = params.value("address", "");
  while (!address.empty() && address.back() == '/') address.pop_back();
  const std::string query = params.value("query", "");
  auto text = http_get(address + "/api/v1/query?query=" + url_encode(query));
  if (!text) return {MeasurementKind::kError, 0, "query " + text.error()};
  auto body = nlohmann::json::parse(*text, nullptr, false);
  if (body.is_discarded() || body.value("status", "") != "success") {
    return {MeasurementKind::kError, 0,
            "Prometheus at " + address + " did not answer the query: " +
                (body.is_discarded() ? std::string("not JSON") : body.value("error", "no data"))};
  }
  const auto& data = body["data"];
  const std::string type = data.value("resultType", "");
  std::optional<double> value;
  std::size_t series = 0;
  if (type == "scalar") {
    value = sample_value(data["result"]);
    series = 1;
  } else if (type == "vector") {
    for (const auto& r : data["result"]) {
      auto v = sample_value(r.value("value", nlohmann::json()));
      if (!v || std::isnan(*v)) continue;
      ++series;
      if (!value || *v > *value) value = v;
    }
  } else {
    return {MeasurementKind::kError, 0,
            "the query gives a " + type + "; a gate needs a scalar or an instant vector"};
  }
  if (!value || std::isnan(*value)) {
    return {MeasurementKind::kNoData, 0, "no series for " + query};
  }
  char buf[96];
  std::snprintf(buf, sizeof(buf), " = %.6g%s", *value,
                series > 1 ? (" (largest of " + std::to_string(series) + " series)").c_str() : "");
  return {MeasurementKind::kValue, *value, query + buf};
}

}  // namespace schemashift::gates
