#include "events/event_check.h"

#include "common/redact.h"

namespace schemashift::events {

namespace {

EventError error_from(const RegistryError& e) {
  return EventError{
      e.kind == RegistryError::kUnavailable ? EventError::kUnreachable : EventError::kRefused,
      redact_credentials(e.message)};
}

EventError no_version(const std::string& subject) {
  return EventError{EventError::kNoVersion, "subject " + subject +
                                                " has no registered version: register the "
                                                "current schema first"};
}

}  // namespace

Result<EventCheck, EventError> check_event_schema(SchemaRegistry& registry,
                                                  const std::string& subject,
                                                  const nlohmann::json& schema) {
  // The versions first: the registry's verdict on a subject it does not have means nothing.
  auto versions = registry.subject_versions(subject);
  if (!versions) {
    if (versions.error().kind == RegistryError::kNotFound) return fail(no_version(subject));
    return fail(error_from(versions.error()));
  }
  if (versions->empty()) return fail(no_version(subject));

  auto level = registry.compatibility_level(subject);
  if (!level) return fail(error_from(level.error()));

  auto verdict = registry.check_compatibility(subject, schema);
  if (!verdict) {
    // The subject vanished between the two calls: still no version to compare with.
    if (verdict.error().kind == RegistryError::kNotFound) return fail(no_version(subject));
    return fail(error_from(verdict.error()));
  }
  EventCheck check;
  check.level = *level;
  check.compatible = verdict->compatible;
  for (const auto& m : verdict->messages) check.messages.push_back(redact_credentials(m));
  if (!check.compatible && check.messages.empty())
    check.messages.push_back("the registry judged the schema incompatible under " + check.level +
                             " and gave no reason");
  return check;
}

Result<std::int32_t, EventError> register_event_schema(SchemaRegistry& registry,
                                                       const std::string& subject,
                                                       const nlohmann::json& schema) {
  auto id = registry.register_schema(subject, schema);
  if (!id) return fail(error_from(id.error()));
  return *id;
}

}  // namespace schemashift::events
