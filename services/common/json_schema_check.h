// A small JSON Schema checker for the subset event schemas use: type (one or a list),
// required, properties (recursively), additionalProperties: false, enum, minimum. Enough to
// tell a consumer that an event lacks a required field or carries one of the wrong type.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::svc {

// What in `value` breaks `schema`, one line per problem ("missing required field
// \"order_id\"", "/total: expected number, got string"); empty when it conforms.
std::vector<std::string> schema_violations(const nlohmann::json& schema,
                                           const nlohmann::json& value);

}  // namespace schemashift::svc
