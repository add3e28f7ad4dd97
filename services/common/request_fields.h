// Reading typed fields out of a JSON request body, with a BadRequest that names the field
// (dotted for nested ones: "name.given") and says why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace schemashift::svc {

// The member `key` of `obj` (an object); `path` is its dotted name for messages.
std::string required_string(const nlohmann::json& obj, const std::string& key,
                            const std::string& path);
std::optional<std::string> optional_string(const nlohmann::json& obj, const std::string& key,
                                           const std::string& path);  // absent or null: nullopt
// An object member that may be absent or null (nullopt), else must be an object.
const nlohmann::json* optional_object(const nlohmann::json& obj, const std::string& key,
                                      const std::string& path);
const nlohmann::json& required_object(const nlohmann::json& obj, const std::string& key,
                                      const std::string& path);

// A path or query parameter that must be a positive 64-bit integer.
std::int64_t positive_id(const std::string& text, const std::string& field);

}  // namespace schemashift::svc
