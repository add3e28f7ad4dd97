// A client of a Confluent-compatible schema registry (Apicurio's /apis/ccompat/v7): JSON
// Schemas registered under a subject, looked up by id (cached for good: ids are immutable),
// and checked for compatibility under the subject's mode. A registry that cannot be reached
// is kUnavailable (retry later), distinct from an id it does not know (kUnknownId).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace schemashift::svc {

struct RegistryError {
  enum Kind { kUnavailable, kUnknownId, kRefused };
  Kind kind = kUnavailable;
  std::string message;
  int http_status = 0;  // 0 when nothing answered
};

struct Compatibility {
  bool compatible = false;
  std::vector<std::string> messages;
};

class SchemaRegistry {
 public:
  // `url` is the API's base, e.g. http://127.0.0.1:8081/apis/ccompat/v7.
  explicit SchemaRegistry(std::string url);

  // POST /subjects/{subject}/versions (schemaType JSON); the same schema again returns the
  // same id. A schema the subject's compatibility mode refuses is kRefused.
  Result<std::int32_t, RegistryError> register_schema(const std::string& subject,
                                                      const nlohmann::json& schema);
  // GET /schemas/ids/{id}: the parsed JSON Schema.
  Result<nlohmann::json, RegistryError> schema_by_id(std::int32_t id);
  // POST /compatibility/subjects/{subject}/versions/latest; a subject with no version yet
  // accepts anything.
  Result<Compatibility, RegistryError> check_compatibility(const std::string& subject,
                                                           const nlohmann::json& schema);
  // PUT /config/{subject}: BACKWARD, FORWARD, FULL, NONE, ...
  Result<void, RegistryError> set_compatibility(const std::string& subject,
                                                const std::string& level);

  const std::string& url() const { return url_; }

 private:
  struct Reply {
    int status = 0;
    nlohmann::json body;
    std::string transport_error;  // set when nothing answered
  };
  Reply call(const std::string& method, const std::string& path, const nlohmann::json& body);

  std::string url_, scheme_host_, prefix_;
  std::mutex mu_;
  std::map<std::int32_t, nlohmann::json> by_id_;
};

}  // namespace schemashift::svc
