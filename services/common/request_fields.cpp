#include "request_fields.h"

#include <charconv>

#include "http_errors.h"

namespace schemashift::svc {

namespace {
std::string type_name(const nlohmann::json& v) { return v.type_name(); }
}  // namespace

std::string required_string(const nlohmann::json& obj, const std::string& key,
                            const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) throw BadRequest(path, "is required");
  if (!it->is_string()) throw BadRequest(path, "must be a string, not " + type_name(*it));
  if (it->get_ref<const std::string&>().empty()) throw BadRequest(path, "must not be empty");
  return it->get<std::string>();
}

std::optional<std::string> optional_string(const nlohmann::json& obj, const std::string& key,
                                           const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw BadRequest(path, "must be a string, not " + type_name(*it));
  return it->get<std::string>();
}

const nlohmann::json* optional_object(const nlohmann::json& obj, const std::string& key,
                                      const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  if (!it->is_object()) throw BadRequest(path, "must be an object, not " + type_name(*it));
  return &*it;
}

const nlohmann::json& required_object(const nlohmann::json& obj, const std::string& key,
                                      const std::string& path) {
  const auto* o = optional_object(obj, key, path);
  if (!o) throw BadRequest(path, "is required");
  return *o;
}

std::int64_t positive_id(const std::string& text, const std::string& field) {
  std::int64_t v = 0;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || v <= 0)
    throw BadRequest(field, "must be a positive integer");
  return v;
}

}  // namespace schemashift::svc
