// A client of a Confluent-compatible schema registry (Apicurio's /apis/ccompat/v7): JSON
// Schemas registered under a subject, looked up by id (cached for good: ids are immutable),
// a subject's versions and compatibility level, and compatibility checks. The operator (event
// checks) and the services (producers and consumers of events) share it.
// A registry that cannot be reached is kUnavailable (retry later), distinct from what it does
// not have (kUnknownId, kNotFound) and from what it refuses (kRefused). Credentials in the
// URL's userinfo are sent as basic auth and never appear in an error or in url().
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "events/registry_url.h"

namespace schemashift::events {

struct RegistryError {
  enum Kind { kUnavailable, kUnknownId, kRefused, kNotFound };
  Kind kind = kUnavailable;
  std::string message;
  int http_status = 0;  // 0 when nothing answered
};

struct Compatibility {
  bool compatible = false;
  std::vector<std::string> messages;
};

struct SubjectVersion {
  int version = 0;
  std::int32_t id = 0;
  nlohmann::json schema;  // parsed
};

class SchemaRegistry {
 public:
  // `url` is the API's base, e.g. http://127.0.0.1:8081/apis/ccompat/v7 (userinfo allowed).
  // A URL that cannot be parsed makes every call kRefused with the reason.
  explicit SchemaRegistry(std::string url);

  // POST /subjects/{subject}/versions (schemaType JSON); the same schema again returns the
  // same id. A schema the subject's compatibility mode refuses is kRefused.
  Result<std::int32_t, RegistryError> register_schema(const std::string& subject,
                                                      const nlohmann::json& schema);
  // GET /schemas/ids/{id}: the parsed JSON Schema.
  Result<nlohmann::json, RegistryError> schema_by_id(std::int32_t id);
  // GET /subjects/{subject}/versions: the version numbers, oldest first. A subject the
  // registry does not have is kNotFound (not an empty list).
  Result<std::vector<int>, RegistryError> subject_versions(const std::string& subject);
  // GET /subjects/{subject}/versions/latest; kNotFound when the subject has none.
  Result<SubjectVersion, RegistryError> latest_version(const std::string& subject);
  // POST /compatibility/subjects/{subject}/versions?verbose=true: the registry's verdict
  // against the versions the subject's level names (the latest, or all of them for a
  // _TRANSITIVE level) and its messages (Confluent's verbose messages; Apicurio gives none, so
  // its reasons come from a dry run of the registration on its own API). A subject the
  // registry does not have is kNotFound. (Beware of .../versions/latest instead: there
  // Apicurio answers "compatible" for a subject it does not have.)
  Result<Compatibility, RegistryError> check_compatibility(const std::string& subject,
                                                           const nlohmann::json& schema);
  // The level the subject's checks run under: GET /config/{subject}?defaultToGlobal=true, or
  // the global GET /config when the registry does not know the subject. "BACKWARD",
  // "FORWARD_TRANSITIVE", "NONE", ... (Apicurio answers "NONE" for a subject without a rule of
  // its own when defaultToGlobal is not given, although the global rule applies.)
  Result<std::string, RegistryError> compatibility_level(const std::string& subject);
  // PUT /config/{subject}: BACKWARD, FORWARD, FULL, NONE, ...
  Result<void, RegistryError> set_compatibility(const std::string& subject,
                                                const std::string& level);

  // The base URL without credentials, as it may be printed.
  const std::string& url() const { return url_.display; }

 private:
  struct Reply {
    int status = 0;
    nlohmann::json body;
    std::string transport_error;  // set when nothing answered
  };
  Reply call(const std::string& method, const std::string& path, const nlohmann::json& body);
  // Why Apicurio refuses `schema` under `subject` ("SUBSCHEMA_TYPE_CHANGED at /properties/a"),
  // from its own API's dry run; empty for another registry or when it does not say.
  std::vector<std::string> apicurio_reasons(const std::string& subject,
                                            const nlohmann::json& schema);

  RegistryUrl url_;
  std::string url_error_;  // why the URL was refused; empty when it parsed
  std::mutex mu_;
  std::map<std::int32_t, nlohmann::json> by_id_;
};

}  // namespace schemashift::events
