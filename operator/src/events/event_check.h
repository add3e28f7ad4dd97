// The operator's judgement of an event schema change (spec.events): is the new schema
// compatible with the subject's latest version under the subject's compatibility level, in
// the registry's own words; and its registration once it is.
// A subject without a registered version is never compatible (Apicurio answers "compatible"
// for a subject it does not have): the current schema must be registered first. A registry
// that cannot be reached is a retriable error, distinct from a refusal. No text carries the
// credentials of the registry's URL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "events/schema_registry.h"

namespace schemashift::events {

struct EventCheck {
  std::string level;  // the subject's compatibility level: BACKWARD, FORWARD_TRANSITIVE, NONE...
  bool compatible = false;
  std::vector<std::string> messages;  // the registry's words when it refuses
};

struct EventError {
  enum Kind {
    kUnreachable,  // no answer, or a 5xx: ask again later
    kNoVersion,    // the subject has no registered version: register the current schema first
    kRefused,      // the registry refused the request (bad schema, incompatible registration...)
  };
  Kind kind = kUnreachable;
  std::string message;
  bool retriable() const { return kind == kUnreachable; }
};

// The subject's level and the registry's verdict on `schema` against its latest version.
Result<EventCheck, EventError> check_event_schema(SchemaRegistry& registry,
                                                  const std::string& subject,
                                                  const nlohmann::json& schema);

// Registers `schema` under `subject` and returns its id; the same schema again returns the same
// id. An incompatible schema is kRefused with the registry's words.
Result<std::int32_t, EventError> register_event_schema(SchemaRegistry& registry,
                                                       const std::string& subject,
                                                       const nlohmann::json& schema);

}  // namespace schemashift::events
