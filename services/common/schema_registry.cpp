#include "schema_registry.h"

#include <httplib.h>

#include "common/redact.h"
#include "common/url.h"

namespace schemashift::svc {

namespace {
constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

RegistryError error_of(int status, const nlohmann::json& body, const std::string& what) {
  RegistryError e;
  e.http_status = status;
  e.kind = status >= 500 || status == 0 ? RegistryError::kUnavailable : RegistryError::kRefused;
  e.message = what + ": HTTP " + std::to_string(status);
  if (body.is_object() && body.contains("message") && body["message"].is_string())
    e.message += " " + body["message"].get<std::string>();
  return e;
}
}  // namespace

SchemaRegistry::SchemaRegistry(std::string url) : url_(std::move(url)) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  const auto scheme_end = url_.find("://");
  const auto path_start =
      url_.find('/', scheme_end == std::string::npos ? 0 : scheme_end + std::string("://").size());
  scheme_host_ = path_start == std::string::npos ? url_ : url_.substr(0, path_start);
  prefix_ = path_start == std::string::npos ? std::string() : url_.substr(path_start);
}

SchemaRegistry::Reply SchemaRegistry::call(const std::string& method, const std::string& path,
                                           const nlohmann::json& body) {
  httplib::Client http(scheme_host_);
  http.set_connection_timeout(std::chrono::seconds(2));
  http.set_read_timeout(std::chrono::seconds(5));
  http.set_write_timeout(std::chrono::seconds(5));
  const std::string full = prefix_ + path;
  httplib::Result r = method == "PUT"    ? http.Put(full.c_str(), body.dump(), kContentType)
                      : method == "POST" ? http.Post(full.c_str(), body.dump(), kContentType)
                                         : http.Get(full.c_str());
  Reply reply;
  if (!r) {
    reply.transport_error = "schema registry " + redact_urls(scheme_host_) +
                            " unreachable: " + httplib::to_string(r.error());
    return reply;
  }
  reply.status = r->status;
  reply.body = nlohmann::json::parse(r->body, nullptr, false);
  return reply;
}

Result<std::int32_t, RegistryError> SchemaRegistry::register_schema(const std::string& subject,
                                                                    const nlohmann::json& schema) {
  const nlohmann::json body = {{"schemaType", "JSON"}, {"schema", schema.dump()}};
  auto r = call("POST", "/subjects/" + url_encode(subject) + "/versions", body);
  if (!r.transport_error.empty())
    return fail(RegistryError{RegistryError::kUnavailable, r.transport_error, 0});
  if (r.status == 200 && r.body.is_object() && r.body.contains("id") &&
      r.body["id"].is_number_integer()) {
    const auto id = r.body["id"].get<std::int32_t>();
    std::lock_guard lock(mu_);
    by_id_.emplace(id, schema);
    return id;
  }
  return fail(error_of(r.status, r.body, "registering a schema under " + subject));
}

Result<nlohmann::json, RegistryError> SchemaRegistry::schema_by_id(std::int32_t id) {
  {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it != by_id_.end()) return it->second;
  }
  auto r = call("GET", "/schemas/ids/" + std::to_string(id), nullptr);
  if (!r.transport_error.empty())
    return fail(RegistryError{RegistryError::kUnavailable, r.transport_error, 0});
  if (r.status == 404)
    return fail(RegistryError{RegistryError::kUnknownId,
                              "schema id " + std::to_string(id) + " is not in the registry", 404});
  if (r.status != 200 || !r.body.is_object() || !r.body.contains("schema") ||
      !r.body["schema"].is_string()) {
    auto e = error_of(r.status, r.body, "looking up schema id " + std::to_string(id));
    if (r.status == 200) e.kind = RegistryError::kUnavailable;  // a garbled answer: ask again
    return fail(e);
  }
  auto schema = nlohmann::json::parse(r.body["schema"].get<std::string>(), nullptr, false);
  if (schema.is_discarded())
    return fail(RegistryError{RegistryError::kRefused,
                              "schema id " + std::to_string(id) + " is not JSON", r.status});
  std::lock_guard lock(mu_);
  by_id_.emplace(id, schema);
  return schema;
}

Result<Compatibility, RegistryError> SchemaRegistry::check_compatibility(
    const std::string& subject, const nlohmann::json& schema) {
  const nlohmann::json body = {{"schemaType", "JSON"}, {"schema", schema.dump()}};
  auto r =
      call("POST", "/compatibility/subjects/" + url_encode(subject) + "/versions/latest", body);
  if (!r.transport_error.empty())
    return fail(RegistryError{RegistryError::kUnavailable, r.transport_error, 0});
  if (r.status == 404) return Compatibility{true, {"subject has no version yet"}};
  if (r.status != 200 || !r.body.is_object())
    return fail(error_of(r.status, r.body, "checking compatibility under " + subject));
  Compatibility c;
  c.compatible = r.body.value("is_compatible", false);
  if (r.body.contains("messages") && r.body["messages"].is_array()) {
    for (const auto& m : r.body["messages"])
      c.messages.push_back(m.is_string() ? m.get<std::string>() : m.dump());
  }
  return c;
}

Result<void, RegistryError> SchemaRegistry::set_compatibility(const std::string& subject,
                                                              const std::string& level) {
  auto r = call("PUT", "/config/" + url_encode(subject), {{"compatibility", level}});
  if (!r.transport_error.empty())
    return fail(RegistryError{RegistryError::kUnavailable, r.transport_error, 0});
  if (r.status != 200) return fail(error_of(r.status, r.body, "setting compatibility"));
  return {};
}

}  // namespace schemashift::svc
