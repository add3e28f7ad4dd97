// The schema registry is real: through its Confluent-compatible API a JSON Schema is
// registered under BACKWARD compatibility, a compatible change is accepted, and an
// incompatible one is refused by the compatibility check and by registration.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/stack_env.h"

namespace {

using nlohmann::json;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

struct Registry {
  std::unique_ptr<httplib::Client> http;
  std::string prefix;  // /apis/ccompat/v7
  explicit Registry(const std::string& url) {
    const std::string scheme_host = url.substr(0, url.find('/', std::string("http://").size()));
    prefix = url.substr(scheme_host.size());
    http = std::make_unique<httplib::Client>(scheme_host);
    http->set_read_timeout(std::chrono::seconds(10));
  }
  std::pair<int, json> call(const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    const char* ct = "application/vnd.schemaregistry.v1+json";
    httplib::Result r = method == "PUT"    ? http->Put(prefix + path, body.dump(), ct)
                        : method == "POST" ? http->Post(prefix + path, body.dump(), ct)
                                           : http->Get(prefix + path);
    if (!r)
      throw std::runtime_error("schema registry unreachable: " + httplib::to_string(r.error()));
    return {r->status, json::parse(r->body, nullptr, false)};
  }
};

json schema(bool with_currency, const char* total_type) {
  json s = {{"type", "object"},
            {"additionalProperties", false},
            {"properties", {{"order_id", {{"type", "string"}}}, {"total", {{"type", total_type}}}}},
            {"required", {"order_id", "total"}}};
  if (with_currency) s["properties"]["currency"] = {{"type", "string"}};
  return {{"schemaType", "JSON"}, {"schema", s.dump()}};
}

TEST(RegistrySmoke, JsonSchemaCompatibleChangeAcceptedIncompatibleRefused) {
  Registry reg(stack_var("SCHEMA_REGISTRY_URL"));
  const std::string subject = "smoke-" + unique_suffix() + "-value";

  auto [cs, cfg] = reg.call("PUT", "/config/" + subject, {{"compatibility", "BACKWARD"}});
  ASSERT_EQ(cs, 200) << cfg.dump();
  auto [rs, first] =
      reg.call("POST", "/subjects/" + subject + "/versions", schema(false, "number"));
  ASSERT_EQ(rs, 200) << first.dump();
  ASSERT_TRUE(first.contains("id"));

  // An optional field added to a closed object: old events still validate.
  auto [ok_s, ok] = reg.call("POST", "/compatibility/subjects/" + subject + "/versions/latest",
                             schema(true, "number"));
  ASSERT_EQ(ok_s, 200) << ok.dump();
  EXPECT_TRUE(ok.value("is_compatible", false)) << ok.dump();
  auto [v2s, v2] = reg.call("POST", "/subjects/" + subject + "/versions", schema(true, "number"));
  EXPECT_EQ(v2s, 200) << v2.dump();

  // total turns from a number into a string: old events no longer validate.
  auto [bad_s, bad] = reg.call("POST", "/compatibility/subjects/" + subject + "/versions/latest",
                               schema(true, "string"));
  ASSERT_EQ(bad_s, 200) << bad.dump();
  EXPECT_FALSE(bad.value("is_compatible", true)) << bad.dump();
  auto [refused_s, refused] =
      reg.call("POST", "/subjects/" + subject + "/versions", schema(true, "string"));
  EXPECT_EQ(refused_s, 409) << refused.dump();

  auto [vs, versions] = reg.call("GET", "/subjects/" + subject + "/versions");
  ASSERT_EQ(vs, 200);
  EXPECT_EQ(versions, json::array({1, 2}));
}

}  // namespace
