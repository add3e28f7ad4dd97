#include "gates/web.h"

#include "gates/http_get.h"

#include <sstream>

namespace schemashift::gates {

Measurement measure_web(const nlohmann::json& params) {
  const std::string url = params.value("url", "");
  const std::string path = params.value("jsonPath", "");
  auto text = http_get(url);
  if (!text) return {MeasurementKind::kError, 0, "GET " + text.error()};
  auto body = nlohmann::json::parse(*text, nullptr, false);
  if (body.is_discarded())
    return {MeasurementKind::kError, 0, "GET " + url + " did not answer JSON"};
  const nlohmann::json* node = &body;
  std::string p = path.rfind("$.", 0) == 0 ? path.substr(2) : path;
  std::stringstream parts(p);
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (!node->is_object() || !node->contains(part))
      return {MeasurementKind::kNoData, 0, path + " not in the answer"};
    node = &(*node)[part];
  }
  if (!node->is_number())
    return {MeasurementKind::kError, 0, path + " is not a number: " + node->dump()};
  const double v = node->get<double>();
  return {MeasurementKind::kValue, v, path + " = " + node->dump()};
}

}  // namespace schemashift::gates
