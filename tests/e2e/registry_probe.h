// The schema registry as the test sees it (its Confluent-compatible API, straight over HTTP):
// what a subject holds, its compatibility level, and the registry's own verdict on a schema —
// the evidence the event tests judge the operator by.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::testing {

class RegistryProbe {
 public:
  explicit RegistryProbe(std::string url);  // e.g. http://127.0.0.1:8081/apis/ccompat/v7

  // version -> schema id of every version under `subject` (empty when it has none).
  std::map<int, std::int32_t> versions(const std::string& subject) const;
  // The id `schema` is registered with under `subject`, if it is.
  std::optional<std::int32_t> id_of(const std::string& subject, const nlohmann::json& schema) const;
  // PUT /config/{subject}; throws when refused.
  void set_compatibility(const std::string& subject, const std::string& level) const;
  // The registry's verdict on `schema` against the subject's latest version, and its words
  // (?verbose=true).
  struct Verdict {
    bool compatible = false;
    std::vector<std::string> messages;
  };
  Verdict check(const std::string& subject, const nlohmann::json& schema) const;
  // Apicurio's ccompat API gives no words (a bare is_compatible: false): its own API's dry run
  // of the new version names what the rule refused ("OBJECT_TYPE_REQUIRED_PROPERTIES_MEMBER_
  // ADDED"), registering nothing. The causes' descriptions; empty when it has none.
  std::vector<std::string> dry_run_causes(const std::string& subject,
                                          const nlohmann::json& schema) const;

 private:
  struct Reply {
    int status = 0;
    nlohmann::json body;
  };
  Reply call(const std::string& method, const std::string& path,
             const nlohmann::json& body = nullptr) const;
  std::string scheme_host_, prefix_;
};

}  // namespace schemashift::testing
