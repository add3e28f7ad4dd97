// customers-service as a client sees it: the real binary against a scratch database of the
// stack's PostgreSQL, called over HTTP. Both API versions on the same data, paging, the
// OpenAPI documents (checked by openapi-spec-validator, and real responses checked against
// their schemas with jsonschema), bad input, request ids and per-client metrics.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "openapi_validator.h"
#include "service_process.h"
#include "support/helpers.h"
#include "support/scratch_database.h"

namespace {

using namespace schemashift::testing;
using nlohmann::json;
using namespace std::chrono_literals;

const httplib::Headers kClient = {{"X-Client-Id", "api-test"}};

json alice_v1() {
  return {{"first_name", "Alice"},
          {"last_name", "Liddell"},
          {"email", "alice@example.org"},
          {"street", "1 Rabbit Hole"},
          {"city", "Oxford"},
          {"postal_code", "OX1"},
          {"country", "GB"}};
}

class CustomersApiTest : public ::testing::Test {
 protected:
  json post(const std::string& path, const json& body, int expect = 201) {
    auto r = client_.Post(path.c_str(), kClient, body.dump(), "application/json");
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << r->body;
    return json::parse(r->body);
  }
  json get(const std::string& path, int expect = 200) {
    auto r = client_.Get(path.c_str(), kClient);
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << r->body;
    return json::parse(r->body);
  }

  ScratchDatabase db_{"customers_api"};
  ServiceProcess svc_{"customers-service", db_.dsn(), {"--max-body-bytes=4096"}};
  httplib::Client client_ = svc_.client();
};

TEST_F(CustomersApiTest, V1CreatesReadsReplacesAndPagesFlatCustomers) {
  auto r = client_.Post("/v1/customers", kClient, alice_v1().dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const auto created = json::parse(r->body);
  const auto id = created["id"].get<std::int64_t>();
  EXPECT_EQ(r->get_header_value("Location"), "/v1/customers/" + std::to_string(id));
  EXPECT_EQ(created["first_name"], "Alice");
  EXPECT_EQ(created["country"], "GB");

  EXPECT_EQ(get("/v1/customers/" + std::to_string(id)), created);

  auto changed = alice_v1();
  changed["city"] = "London";
  changed["street"] = nullptr;
  auto put = client_.Put(("/v1/customers/" + std::to_string(id)).c_str(), kClient, changed.dump(),
                         "application/json");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(json::parse(put->body)["city"], "London");
  EXPECT_TRUE(json::parse(put->body)["street"].is_null());
  pqxx::connection c(db_.admin_dsn());
  EXPECT_EQ(scalar(c, "SELECT city FROM customers WHERE id = " + std::to_string(id)), "London");

  for (int i = 0; i < 4; ++i) {
    auto more = alice_v1();
    more["email"] = "reader" + std::to_string(i) + "@example.org";
    post("/v1/customers", more);
  }
  std::vector<std::int64_t> seen;
  std::string after = "0";
  for (int page = 0; page < 5; ++page) {
    auto body = get("/v1/customers?limit=2&after=" + after);
    for (const auto& item : body["items"]) seen.push_back(item["id"].get<std::int64_t>());
    if (body["next_after"].is_null()) break;
    EXPECT_EQ(body["items"].size(), 2u);
    after = std::to_string(body["next_after"].get<std::int64_t>());
  }
  ASSERT_EQ(seen.size(), 5u) << "every customer once, in id order";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

TEST_F(CustomersApiTest, V2ShowsTheSameCustomerNestedAndCreatesThemToo) {
  const auto v1 = post("/v1/customers", alice_v1());
  const auto id = std::to_string(v1["id"].get<std::int64_t>());
  const auto v2 = get("/v2/customers/" + id);
  EXPECT_EQ(v2["id"], v1["id"]);
  EXPECT_EQ(v2["email"], "alice@example.org");
  EXPECT_EQ(v2["name"], json({{"given", "Alice"}, {"family", "Liddell"}}));
  EXPECT_EQ(v2["address"], json({{"street", "1 Rabbit Hole"},
                                 {"city", "Oxford"},
                                 {"postal_code", "OX1"},
                                 {"country", "GB"}}));
  EXPECT_FALSE(v2.contains("first_name"));
  EXPECT_FALSE(v2.contains("preferred_language")) << "not read while the flag is old";

  const auto bob = post("/v2/customers", {{"email", "bob@example.org"},
                                          {"name", {{"given", "Bob"}, {"family", "Builder"}}},
                                          {"address", {{"city", "Bristol"}, {"country", "GB"}}}});
  const auto flat = get("/v1/customers/" + std::to_string(bob["id"].get<std::int64_t>()));
  EXPECT_EQ(flat["first_name"], "Bob");
  EXPECT_EQ(flat["last_name"], "Builder");
  EXPECT_EQ(flat["city"], "Bristol");
  EXPECT_TRUE(flat["street"].is_null());
  EXPECT_EQ(get("/v2/customers?limit=10")["items"].size(), 2u);
}

TEST_F(CustomersApiTest, TheOpenApiDocumentsAreValidAndDescribeTheRealResponses) {
  auto created = client_.Post("/v1/customers", kClient, alice_v1().dump(), "application/json");
  ASSERT_TRUE(created && created->status == 201);
  const auto id = std::to_string(json::parse(created->body)["id"].get<std::int64_t>());
  for (const std::string version : {"v1", "v2"}) {
    SCOPED_TRACE(version);
    auto doc = client_.Get(("/" + version + "/openapi.json").c_str());
    ASSERT_TRUE(doc);
    ASSERT_EQ(doc->status, 200);
    EXPECT_EQ(json::parse(doc->body)["openapi"], "3.1.0");
    const auto spec = validate_openapi(doc->body);
    ASSERT_TRUE(spec.valid) << spec.detail;

    const std::string base = "/" + version + "/customers";
    struct Call {
      std::string method, path, doc_path;
      std::string body;
    };
    const json v2_body = {{"email", "c@example.org"},
                          {"name", {{"given", "C"}, {"family", "D"}}},
                          {"address", {{"country", "DE"}}}};
    const std::string good = version == "v1" ? alice_v1().dump() : v2_body.dump();
    const std::vector<Call> calls = {
        {"GET", base + "/" + id, base + "/{id}", ""},
        {"GET", base + "?limit=1", base, ""},
        {"GET", base + "/999999", base + "/{id}", ""},
        {"GET", base + "/abc", base + "/{id}", ""},
        {"POST", base, base, good},
        {"POST", base, base, R"({"email": 5})"},
        {"PUT", base + "/" + id, base + "/{id}", good},
        {"PUT", base + "/999999", base + "/{id}", good},
        {"POST", base, base, std::string(5000, ' ')},
    };
    std::set<int> statuses;
    for (const auto& call : calls) {
      httplib::Result r =
          call.method == "GET" ? client_.Get(call.path.c_str(), kClient)
          : call.method == "POST"
              ? client_.Post(call.path.c_str(), kClient, call.body, "application/json")
              : client_.Put(call.path.c_str(), kClient, call.body, "application/json");
      ASSERT_TRUE(r) << call.method << " " << call.path;
      statuses.insert(r->status);
      const auto verdict =
          validate_response(doc->body, call.doc_path, call.method, r->status, r->body);
      EXPECT_TRUE(verdict.valid) << call.method << " " << call.path << " -> " << r->status << " "
                                 << r->body << "\n"
                                 << verdict.detail;
    }
    EXPECT_EQ(statuses, (std::set<int>{200, 201, 400, 404, 413}));
  }
  // The validator is not a rubber stamp: a v1 body is not a v2 customer.
  auto v2doc = client_.Get("/v2/openapi.json");
  EXPECT_FALSE(
      validate_response(v2doc->body, "/v2/customers/{id}", "GET", 200, alice_v1().dump()).valid);
}

TEST_F(CustomersApiTest, MalformedJsonIsA400NamingTheFieldAndWhy) {
  auto r = client_.Post("/v1/customers", kClient, R"({"first_name": "A", )", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  auto body = json::parse(r->body);
  EXPECT_EQ(body["error"], "bad_request");
  EXPECT_EQ(body["field"], "body");
  EXPECT_NE(body["reason"].get<std::string>().find("malformed JSON"), std::string::npos);

  auto missing =
      post("/v2/customers", {{"email", "x@example.org"}, {"name", {{"given", "X"}}}}, 400);
  EXPECT_EQ(missing["field"], "name.family");
  EXPECT_EQ(missing["reason"], "is required");
  auto wrong =
      post("/v1/customers", {{"first_name", 7}, {"last_name", "L"}, {"email", "a@b.c"}}, 400);
  EXPECT_EQ(wrong["field"], "first_name");
  EXPECT_EQ(wrong["reason"], "must be a string, not number");
  auto email =
      post("/v1/customers", {{"first_name", "F"}, {"last_name", "L"}, {"email", "nope"}}, 400);
  EXPECT_EQ(email["field"], "email");
  auto limit = get("/v1/customers?limit=0", 400);
  EXPECT_EQ(limit["field"], "limit");
  auto id = get("/v1/customers/12x", 400);
  EXPECT_EQ(id["field"], "id");
}

TEST_F(CustomersApiTest, V1IgnoresUnknownFields) {
  auto body = alice_v1();
  body["loyalty_tier"] = "gold";
  body["name"] = {{"given", "ignored"}};
  const auto created = post("/v1/customers", body);
  EXPECT_EQ(created["first_name"], "Alice");
  EXPECT_FALSE(created.contains("loyalty_tier"));
}

TEST_F(CustomersApiTest, AnUnknownCustomerIs404InBothVersions) {
  for (const std::string path : {"/v1/customers/424242", "/v2/customers/424242"}) {
    auto body = get(path, 404);
    EXPECT_EQ(body["error"], "not_found");
    auto put = client_.Put(path.c_str(), kClient, alice_v1().dump(), "application/json");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, path[2] == '1' ? 404 : 400) << "v2 refuses the v1 body first";
  }
  EXPECT_EQ(get("/no/such/route", 404)["error"], "not_found");
}

TEST_F(CustomersApiTest, AnOversizedBodyIs413AndTheServiceCarriesOn) {
  auto big = alice_v1();
  big["street"] = std::string(10000, 'x');
  auto r = client_.Post("/v1/customers", kClient, big.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body)["error"], "payload_too_large");
  post("/v1/customers", alice_v1());
}

TEST_F(CustomersApiTest, RequestIdsAreKeptOrMadeAndEchoed) {
  auto given = client_.Get("/v1/customers", {{"X-Request-Id", "trace-abc-123"}});
  ASSERT_TRUE(given);
  EXPECT_EQ(given->get_header_value("X-Request-Id"), "trace-abc-123");
  auto made = client_.Get("/v1/customers/999");
  ASSERT_TRUE(made);
  const auto id = made->get_header_value("X-Request-Id");
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(json::parse(made->body)["request_id"], id) << "the error names the request";
  auto other = client_.Get("/v1/customers/999");
  EXPECT_NE(other->get_header_value("X-Request-Id"), id);
}

TEST_F(CustomersApiTest, MetricsCountRequestsPerClientRoutePatternAndVersion) {
  post("/v1/customers", alice_v1());
  for (int i = 0; i < 3; ++i) client_.Get("/v1/customers/1", {{"X-Client-Id", "legacy-billing"}});
  client_.Get("/v1/customers/1", {{"X-Client-Id", "crm"}});
  client_.Get("/v2/customers/1", {{"X-Client-Id", "crm"}});
  client_.Get("/v1/customers/4040", {{"X-Client-Id", "crm"}});
  // A request is counted when its log line is written, just after its response went out.
  std::string text;
  EXPECT_TRUE(eventually(
      [&] {
        text = svc_.metrics();
        return metric_value(text, "http_requests_total",
                            {"route=\"/v1/customers/:id\"", "status=\"404\"", "client=\"crm\""}) ==
               1;
      },
      5s));
  EXPECT_EQ(metric_value(text, "http_requests_total",
                         {"route=\"/v1/customers/:id\"", "method=\"GET\"", "status=\"200\"",
                          "api_version=\"v1\"", "client=\"legacy-billing\""}),
            3)
      << text;
  EXPECT_EQ(metric_value(text, "http_requests_total",
                         {"route=\"/v1/customers/:id\"", "status=\"200\"", "client=\"crm\""}),
            1);
  EXPECT_EQ(metric_value(text, "http_requests_total",
                         {"route=\"/v2/customers/:id\"", "api_version=\"v2\"", "client=\"crm\""}),
            1);
  EXPECT_EQ(metric_value(text, "http_requests_total",
                         {"route=\"/v1/customers/:id\"", "status=\"404\"", "client=\"crm\""}),
            1);
  EXPECT_EQ(metric_value(text, "http_requests_total",
                         {"route=\"/v1/customers\"", "method=\"POST\"", "client=\"api-test\""}),
            1);
  EXPECT_GT(metric_value(text, "http_request_duration_seconds_count",
                         {"route=\"/v1/customers/:id\"", "api_version=\"v1\""}),
            0);
  EXPECT_EQ(text.find("/v1/customers/1\""), std::string::npos) << "paths are not labels";
}

TEST_F(CustomersApiTest, LogsAreJsonLinesWithoutThePassword) {
  client_.Get("/v1/customers", {{"X-Request-Id", "log-line-test"}});
  // The access log line is written after the response went out.
  json line;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& l : svc_.log_lines("request"))
          if (l.value("request_id", "") == "log-line-test") line = l;
        return line.is_object();
      },
      5s))
      << svc_.output();
  EXPECT_EQ(line["service"], "customers");
  EXPECT_EQ(line["instance"], svc_.instance());
  EXPECT_EQ(line["route"], "/v1/customers");
  EXPECT_EQ(line["status"], 200);
  EXPECT_TRUE(line.contains("ts") && line.contains("duration_ms"));
  EXPECT_EQ(svc_.output().find(db_.password()), std::string::npos);
  EXPECT_FALSE(svc_.log_lines("starting").empty());
}

}  // namespace
