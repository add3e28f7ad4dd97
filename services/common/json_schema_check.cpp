#include "json_schema_check.h"

namespace schemashift::svc {

namespace {

std::string type_of(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool has_type(const nlohmann::json& v, const std::string& type) {
  const std::string actual = type_of(v);
  if (actual == type) return true;
  if (type == "number" && actual == "integer") return true;
  // 3.0 is an integer in JSON Schema.
  if (type == "integer" && actual == "number") {
    const double d = v.get<double>();
    return d == static_cast<double>(static_cast<long long>(d));
  }
  return false;
}

void check(const nlohmann::json& schema, const nlohmann::json& value, const std::string& at,
           std::vector<std::string>& out) {
  if (!schema.is_object()) return;
  const std::string where = at.empty() ? "" : at + ": ";
  if (auto t = schema.find("type"); t != schema.end()) {
    bool ok = false;
    std::string expected;
    if (t->is_string()) {
      ok = has_type(value, t->get<std::string>());
      expected = t->get<std::string>();
    } else if (t->is_array()) {
      for (const auto& one : *t) {
        if (!one.is_string()) continue;
        expected += (expected.empty() ? "" : " or ") + one.get<std::string>();
        ok = ok || has_type(value, one.get<std::string>());
      }
    } else {
      ok = true;
    }
    if (!ok) {
      out.push_back(where + "expected " + expected + ", got " + type_of(value));
      return;
    }
  }
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    bool found = false;
    for (const auto& one : *e) found = found || one == value;
    if (!found) out.push_back(where + "value " + value.dump() + " is not one of " + e->dump());
  }
  if (auto m = schema.find("minimum"); m != schema.end() && m->is_number() && value.is_number()) {
    if (value.get<double>() < m->get<double>())
      out.push_back(where + "value " + value.dump() + " is below the minimum " + m->dump());
  }
  if (!value.is_object()) return;
  if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
    for (const auto& name : *req) {
      if (name.is_string() && !value.contains(name.get<std::string>()))
        out.push_back(where + "missing required field \"" + name.get<std::string>() + "\"");
    }
  }
  const auto props = schema.find("properties");
  const bool closed = schema.contains("additionalProperties") &&
                      schema["additionalProperties"].is_boolean() &&
                      !schema["additionalProperties"].get<bool>();
  for (const auto& [name, member] : value.items()) {
    if (props != schema.end() && props->is_object() && props->contains(name)) {
      check((*props)[name], member, at + "/" + name, out);
    } else if (closed) {
      out.push_back(where + "field \"" + name + "\" is not allowed");
    }
  }
}

}  // namespace

std::vector<std::string> schema_violations(const nlohmann::json& schema,
                                           const nlohmann::json& value) {
  std::vector<std::string> out;
  check(schema, value, "", out);
  return out;
}

}  // namespace schemashift::svc
