#include "e2e/registry_probe.h"

#include <stdexcept>

#include <httplib.h>

namespace schemashift::testing {

namespace {
const char* kContentType = "application/vnd.schemaregistry.v1+json";

nlohmann::json wrapped(const nlohmann::json& schema) {
  return {{"schemaType", "JSON"}, {"schema", schema.dump()}};
}
}  // namespace

RegistryProbe::RegistryProbe(std::string url) {
  const auto host_start = url.find("://") + 3;
  const auto path = url.find('/', host_start);
  scheme_host_ = url.substr(0, path);
  prefix_ = path == std::string::npos ? "" : url.substr(path);
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

RegistryProbe::Reply RegistryProbe::call(const std::string& method, const std::string& path,
                                         const nlohmann::json& body) const {
  httplib::Client http(scheme_host_);
  http.set_connection_timeout(std::chrono::seconds(3));
  http.set_read_timeout(std::chrono::seconds(10));
  const std::string full = prefix_ + path;
  auto r = method == "PUT"    ? http.Put(full, body.dump(), kContentType)
           : method == "POST" ? http.Post(full, body.dump(), kContentType)
                              : http.Get(full);
  if (!r)
    throw std::runtime_error("registry " + method + " " + full + ": " +
                             httplib::to_string(r.error()));
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

std::map<int, std::int32_t> RegistryProbe::versions(const std::string& subject) const {
  std::map<int, std::int32_t> out;
  const auto list = call("GET", "/subjects/" + subject + "/versions");
  if (list.status == 404) return out;
  if (list.status != 200 || !list.body.is_array())
    throw std::runtime_error("versions of " + subject + ": " + std::to_string(list.status) + " " +
                             list.body.dump());
  for (const auto& v : list.body) {
    const auto one = call("GET", "/subjects/" + subject + "/versions/" + v.dump());
    if (one.status != 200 || !one.body.contains("id"))
      throw std::runtime_error("version " + v.dump() + " of " + subject + ": " + one.body.dump());
    out[v.get<int>()] = one.body["id"].get<std::int32_t>();
  }
  return out;
}

std::optional<std::int32_t> RegistryProbe::id_of(const std::string& subject,
                                                 const nlohmann::json& schema) const {
  const auto r = call("POST", "/subjects/" + subject, wrapped(schema));
  if (r.status == 200 && r.body.is_object() && r.body.contains("id"))
    return r.body["id"].get<std::int32_t>();
  return std::nullopt;
}

void RegistryProbe::set_compatibility(const std::string& subject, const std::string& level) const {
  const auto r = call("PUT", "/config/" + subject, {{"compatibility", level}});
  if (r.status != 200)
    throw std::runtime_error("compatibility of " + subject + ": " + std::to_string(r.status) + " " +
                             r.body.dump());
}

RegistryProbe::Verdict RegistryProbe::check(const std::string& subject,
                                            const nlohmann::json& schema) const {
  const auto r =
      call("POST", "/compatibility/subjects/" + subject + "/versions/latest?verbose=true",
           wrapped(schema));
  if (r.status != 200 || !r.body.is_object())
    throw std::runtime_error("compatibility check under " + subject + ": " +
                             std::to_string(r.status) + " " + r.body.dump());
  Verdict v;
  v.compatible = r.body.value("is_compatible", false);
  for (const auto& m : r.body.value("messages", nlohmann::json::array()))
    v.messages.push_back(m.is_string() ? m.get<std::string>() : m.dump());
  return v;
}

std::vector<std::string> RegistryProbe::dry_run_causes(const std::string& subject,
                                                       const nlohmann::json& schema) const {
  const auto ccompat = prefix_.rfind("/apis/ccompat/");
  if (ccompat == std::string::npos) return {};
  httplib::Client http(scheme_host_);
  http.set_read_timeout(std::chrono::seconds(10));
  const nlohmann::json body = {
      {"content", {{"content", schema.dump()}, {"contentType", "application/json"}}}};
  auto r = http.Post(prefix_.substr(0, ccompat) + "/apis/registry/v3/groups/default/artifacts/" +
                         subject + "/versions?dryRun=true",
                     body.dump(), "application/json");
  std::vector<std::string> out;
  if (!r || r->status != 409) return out;
  const auto problem = nlohmann::json::parse(r->body, nullptr, false);
  if (!problem.is_object()) return out;
  for (const auto& c : problem.value("causes", nlohmann::json::array()))
    if (c.is_object() && c.contains("description") && c["description"].is_string())
      out.push_back(c["description"].get<std::string>());
  return out;
}

}  // namespace schemashift::testing
