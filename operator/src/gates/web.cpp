#include "gates/web.h"

#include <httplib.h>

#include <sstream>

namespace schemashift::gates {

Measurement measure_web(const nlohmann::json& params) {
  const std::string url = params.value("url", "");
  const std::string path = params.value("jsonPath", "");
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return {MeasurementKind::kError, 0, "url \"" + url + "\" has no scheme"};
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  const std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(origin);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(2));
  auto r = client.Get(target);
  if (!r) return {MeasurementKind::kError, 0, "GET " + url + ": " + httplib::to_string(r.error())};
  if (r->status < 200 || r->status >= 300) {
    return {MeasurementKind::kError, 0, "GET " + url + " answered " + std::to_string(r->status)};
  }
  auto body = nlohmann::json::parse(r->body, nullptr, false);
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
