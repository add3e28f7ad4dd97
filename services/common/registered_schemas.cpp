#include "registered_schemas.h"

namespace schemashift::svc {

RegisteredSchemas::RegisteredSchemas(events::SchemaRegistry& registry, std::string subject,
                                     std::map<int, nlohmann::json> schemas)
    : registry_(registry), subject_(std::move(subject)), schemas_(std::move(schemas)) {}

Result<std::int32_t, events::RegistryError> RegisteredSchemas::id_of(int version) {
  std::lock_guard lock(mu_);
  if (auto it = ids_.find(version); it != ids_.end()) return it->second;
  if (!schemas_.count(version))
    return fail(events::RegistryError{
        events::RegistryError::kRefused,
        "no schema version " + std::to_string(version) + " for " + subject_, 0});
  // Earlier versions first: the subject's history is v1, v2, ... as compatibility expects.
  for (const auto& [v, schema] : schemas_) {
    if (v > version) break;
    if (ids_.count(v)) continue;
    auto id = registry_.register_schema(subject_, schema);
    if (!id) return fail(id.error());
    ids_[v] = *id;
  }
  return ids_.at(version);
}

}  // namespace schemashift::svc
