// The registry ids of a producer's schemas: each version of a subject's schema registered on
// first use and its id kept (ids never change). A registry that is down now is asked again on
// the next use, so a producer that started without it catches up by itself.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "events/schema_registry.h"

namespace schemashift::svc {

class RegisteredSchemas {
 public:
  // `schemas`: version -> JSON Schema, registered under `subject` in version order.
  RegisteredSchemas(events::SchemaRegistry& registry, std::string subject,
                    std::map<int, nlohmann::json> schemas);

  // The id of `version`, registering it (and every earlier version first) when needed.
  Result<std::int32_t, events::RegistryError> id_of(int version);
  const std::string& subject() const { return subject_; }

 private:
  events::SchemaRegistry& registry_;
  std::string subject_;
  std::map<int, nlohmann::json> schemas_;
  std::mutex mu_;
  std::map<int, std::int32_t> ids_;
};

}  // namespace schemashift::svc
