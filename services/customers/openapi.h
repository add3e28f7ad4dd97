// The OpenAPI 3.1 documents of /v1 and /v2, compiled in from openapi/v1.json and v2.json and
// served at /v1/openapi.json and /v2/openapi.json.
#pragma once

#include <nlohmann/json.hpp>

namespace schemashift::customers {

const nlohmann::json& openapi_v1();
const nlohmann::json& openapi_v2();

}  // namespace schemashift::customers
