#include "events/schema_registry.h"

#include <httplib.h>

#include "common/redact.h"
#include "common/url.h"

namespace schemashift::events {

namespace {
constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

RegistryError error_of(int status, const nlohmann::json& body, const std::string& what) {
  RegistryError e;
  e.http_status = status;
  e.kind = status >= 500 || status == 0 ? RegistryError::kUnavailable : RegistryError::kRefused;
  e.message = what + ": HTTP " + std::to_string(status);
  if (body.is_object() && body.contains("message") && body["message"].is_string())
    e.message += " " + body["message"].get<std::string>();
  e.message = redact_credentials(e.message);
  return e;
}

RegistryError unavailable(const std::string& transport_error) {
  return RegistryError{RegistryError::kUnavailable, transport_error, 0};
}

nlohmann::json json_schema_body(const nlohmann::json& schema) {
  return {{"schemaType", "JSON"}, {"schema", schema.dump()}};
}

std::string subject_path(const std::string& subject) { return "/subjects/" + url_encode(subject); }

}  // namespace

SchemaRegistry::SchemaRegistry(std::string url) {
  auto parsed = parse_registry_url(url);
  if (parsed) {
    url_ = std::move(*parsed);
  } else {
    url_error_ = parsed.error();
    url_.display = redact_urls(url);
  }
}

SchemaRegistry::Reply SchemaRegistry::call(const std::string& method, const std::string& path,
                                           const nlohmann::json& body) {
  Reply reply;
  if (!url_error_.empty()) {
    reply.status = 400;
    reply.body = {{"message", url_error_}};
    return reply;
  }
  httplib::Client http(url_.origin);
  http.set_connection_timeout(std::chrono::seconds(2));
  http.set_read_timeout(std::chrono::seconds(5));
  http.set_write_timeout(std::chrono::seconds(5));
  if (!url_.user.empty() || !url_.password.empty()) http.set_basic_auth(url_.user, url_.password);
  const std::string full = url_.prefix + path;
  httplib::Result r = method == "PUT"    ? http.Put(full, body.dump(), kContentType)
                      : method == "POST" ? http.Post(full, body.dump(), kContentType)
                                         : http.Get(full);
  if (!r) {
    reply.transport_error =
        "schema registry " + url_.display + " unreachable: " + httplib::to_string(r.error());
    return reply;
  }
  reply.status = r->status;
  reply.body = nlohmann::json::parse(r->body, nullptr, false);
  return reply;
}

Result<std::int32_t, RegistryError> SchemaRegistry::register_schema(const std::string& subject,
                                                                    const nlohmann::json& schema) {
  auto r = call("POST", subject_path(subject) + "/versions", json_schema_body(schema));
  if (!r.transport_error.empty()) return fail(unavailable(r.transport_error));
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
  if (!r.transport_error.empty()) return fail(unavailable(r.transport_error));
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

Result<std::vector<int>, RegistryError> SchemaRegistry::subject_versions(
    const std::string& subject) {
  auto r = call("GET", subject_path(subject) + "/versions", nullptr);
  if (!r.transport_error.empty()) return fail(unavailable(r.transport_error));
  if (r.status == 404) {
    auto e = error_of(r.status, r.body, "subject " + subject + " is not in the registry");
    e.kind = RegistryError::kNotFound;
    return fail(e);
  }
  if (r.status != 200 || !r.body.is_array()) {
    auto e = error_of(r.status, r.body, "listing the versions of " + subject);
    if (r.status == 200) e.kind = RegistryError::kUnavailable;  // a garbled answer: ask again
    return fail(e);
  }
  std::vector<int> versions;
  for (const auto& v : r.body) {
    if (!v.is_number_integer())
      return fail(RegistryError{RegistryError::kUnavailable,
                                "the versions of " + subject + " are not numbers: " + r.body.dump(),
                                r.status});
    versions.push_back(v.get<int>());
  }
  return versions;
}

Result<SubjectVersion, RegistryError> SchemaRegistry::latest_version(const std::string& subject) {
  auto r = call("GET", subject_path(subject) + "/versions/latest", nullptr);
  if (!r.transport_error.empty()) return fail(unavailable(r.transport_error));
  if (r.status == 404) {
    auto e = error_of(r.status, r.body, "subject " + subject + " has no version");
    e.kind = RegistryError::kNotFound;
    return fail(e);
  }
  const auto& b = r.body;
  if (r.status != 200 || !b.is_object() || !b.contains("version") ||
      !b["version"].is_number_integer() || !b.contains("id") || !b["id"].is_number_integer() ||
      !b.contains("schema") || !b["schema"].is_string()) {
    auto e = error_of(r.status, r.body, "reading the latest version of " + subject);
    if (r.status == 200) e.kind = RegistryError::kUnavailable;
    return fail(e);
  }
  SubjectVersion v;
  v.version = b["version"].get<int>();
  v.id = b["id"].get<std::int32_t>();
  v.schema = nlohmann::json::parse(b["schema"].get<std::string>(), nullptr, false);
  if (v.schema.is_discarded())
    return fail(RegistryError{RegistryError::kRefused,
                              "the latest version of " + subject + " is not JSON", r.status});
  return v;
}

Result<Compatibility, RegistryError> SchemaRegistry::check_compatibility(
    const std::string& subject, const nlohmann::json& schema) {
  auto r = call("POST", "/compatibility" + subject_path(subject) + "/versions?verbose=true",
                json_schema_body(schema));
  if (!r.transport_error.empty()) return fail(unavailable(r.transport_error));
  if (r.status == 404) {
    auto e = error_of(r.status, r.body, "checking compatibility under " + subject);
    e.kind = RegistryError::kNotFound;
    return fail(e);
  }
  if (r.status != 200 || !r.body.is_object() || !r.body.contains("is_compatible") ||
      !r.body["is_compatible"].is_boolean())
    return fail(error_of(r.status, r.body, "checking compatibility under " + subject));
  Compatibility c;
  c.compatible = r.body["is_compatible"].get<bool>();
  if (r.body.contains("messages") && r.body["messages"].is_array()) {
    for (const auto& m : r.body["messages"])
      c.messages.push_back(m.is_string() ? m.get<std::string>() : m.dump());
  }
  if (!c.compatible && c.messages.empty()) c.messages = apicurio_reasons(subject, schema);
  return c;
}

std::vector<std::string> SchemaRegistry::apicurio_reasons(const std::string& subject,
                                                          const nlohmann::json& schema) {
  // Apicurio's ccompat API answers a bare {"is_compatible": false}, verbose or not; its own
  // API's dry run of the new version names each difference the rule refused, and registers
  // nothing. Only for a URL of Apicurio's shape; any other answer gives no reason.
  static const std::string kCcompat = "/apis/ccompat/";
  const auto at = url_.prefix.rfind(kCcompat);
  if (!url_error_.empty() || at == std::string::npos) return {};
  const std::string path = url_.prefix.substr(0, at) +
                           "/apis/registry/v3/groups/default/artifacts/" + url_encode(subject) +
                           "/versions?dryRun=true";
  const nlohmann::json body = {
      {"content", {{"content", schema.dump()}, {"contentType", "application/json"}}}};
  httplib::Client http(url_.origin);
  http.set_connection_timeout(std::chrono::seconds(2));
  http.set_read_timeout(std::chrono::seconds(5));
  if (!url_.user.empty() || !url_.password.empty()) http.set_basic_auth(url_.user, url_.password);
  auto r = http.Post(path, body.dump(), "application/json");
  if (!r || r->status != 409) return {};
  const auto problem = nlohmann::json::parse(r->body, nullptr, false);
  if (!problem.is_object()) return {};
  std::vector<std::string> reasons;
  if (problem.contains("causes") && problem["causes"].is_array()) {
    for (const auto& cause : problem["causes"]) {
      if (!cause.is_object() || !cause.contains("description") || !cause["description"].is_string())
        continue;
      std::string reason = cause["description"].get<std::string>();
      if (cause.contains("context") && cause["context"].is_string())
        reason += " at " + cause["context"].get<std::string>();
      reasons.push_back(std::move(reason));
    }
  }
  if (reasons.empty()) {
    for (const char* key : {"detail", "title"}) {
      if (problem.contains(key) && problem[key].is_string()) {
        reasons.push_back(problem[key].get<std::string>());
        break;
      }
    }
  }
  return reasons;
}

Result<std::string, RegistryError> SchemaRegistry::compatibility_level(const std::string& subject) {
  const auto level_of = [](const nlohmann::json& body) -> std::string {
    for (const char* key : {"compatibilityLevel", "compatibility"}) {
      if (body.is_object() && body.contains(key) && body[key].is_string())
        return body[key].get<std::string>();
    }
    return "";
  };
  auto own = call("GET", "/config/" + url_encode(subject) + "?defaultToGlobal=true", nullptr);
  if (!own.transport_error.empty()) return fail(unavailable(own.transport_error));
  if (own.status == 200 && !level_of(own.body).empty()) return level_of(own.body);
  if (own.status != 404)
    return fail(error_of(own.status, own.body, "reading the compatibility level of " + subject));
  auto global = call("GET", "/config", nullptr);
  if (!global.transport_error.empty()) return fail(unavailable(global.transport_error));
  if (global.status == 200 && !level_of(global.body).empty()) return level_of(global.body);
  return fail(error_of(global.status, global.body, "reading the global compatibility level"));
}

Result<void, RegistryError> SchemaRegistry::set_compatibility(const std::string& subject,
                                                              const std::string& level) {
  auto r = call("PUT", "/config/" + url_encode(subject), {{"compatibility", level}});
  if (!r.transport_error.empty()) return fail(unavailable(r.transport_error));
  if (r.status != 200) return fail(error_of(r.status, r.body, "setting compatibility"));
  return {};
}

}  // namespace schemashift::events
