// The pure parts of the HTTP plumbing: route patterns, API versions, client labels, the
// log line, the pool's connect timeout.
#include <gtest/gtest.h>

#include "http_server.h"
#include "log.h"
#include "metrics.h"
#include "pg_pool.h"

namespace schemashift::svc {
namespace {

TEST(Routes, PatternsMatchTheirPathsAndNameTheirParameters) {
  std::vector<std::string> names;
  const auto re = route_regex("/v1/customers/:id", names);
  ASSERT_EQ(names, std::vector<std::string>{"id"});
  std::smatch m;
  const std::string path = "/v1/customers/42";
  ASSERT_TRUE(std::regex_match(path, m, re));
  EXPECT_EQ(m[1], "42");
  EXPECT_FALSE(std::regex_match(std::string("/v1/customers/42/x"), re));
  EXPECT_FALSE(std::regex_match(std::string("/v1/customers"), re));
  std::vector<std::string> none;
  EXPECT_TRUE(
      std::regex_match(std::string("/v1/openapi.json"), route_regex("/v1/openapi.json", none)));
  EXPECT_FALSE(
      std::regex_match(std::string("/v1/openapiXjson"), route_regex("/v1/openapi.json", none)));
}

TEST(Routes, TheApiVersionComesFromThePattern) {
  EXPECT_EQ(api_version_of("/v1/customers/:id"), "v1");
  EXPECT_EQ(api_version_of("/v2/customers"), "v2");
  EXPECT_EQ(api_version_of("/readyz"), "none");
  EXPECT_EQ(api_version_of("/version"), "none");
}

TEST(MetricsLabels, ClientIdsAreSanitisedAndBounded) {
  EXPECT_EQ(Metrics::client_label(""), "unknown");
  EXPECT_EQ(Metrics::client_label("fulfillment-7"), "fulfillment-7");
  EXPECT_EQ(Metrics::client_label("a\"b}c{"), "abc");
  EXPECT_EQ(Metrics::client_label(std::string(100, 'x')).size(), 64u);
}

TEST(MetricsLabels, RequestsAreCountedPerClientInTheTextFormat) {
  Metrics m;
  m.observe_request("/v1/customers/:id", "GET", 200, "v1", "legacy-app", 0.003);
  m.observe_request("/v1/customers/:id", "GET", 200, "v1", "legacy-app", 0.004);
  const auto text = m.serialize();
  EXPECT_NE(text.find("http_requests_total{"), std::string::npos) << text;
  EXPECT_NE(text.find("client=\"legacy-app\""), std::string::npos) << text;
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{"), std::string::npos) << text;
}

TEST(MetricsLabels, BeyondTheLimitClientsShareOneLabel) {
  Metrics m;
  for (std::size_t i = 0; i < Metrics::kMaxClients + 5; ++i)
    m.observe_request("/x", "GET", 200, "none", "c" + std::to_string(i), 0.001);
  EXPECT_NE(m.serialize().find("client=\"other\""), std::string::npos);
}

TEST(LogLine, IsOneJsonObjectWithTheFields) {
  const auto line = nlohmann::json::parse(format_log_line(
      "2026-01-01T00:00:00.000Z", "info", "customers", "pod-1", "plain \"quoted\" message"));
  EXPECT_EQ(line["service"], "customers");
  EXPECT_EQ(line["instance"], "pod-1");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "plain \"quoted\" message");
  const auto with_fields = nlohmann::json::parse(format_log_line(
      "t", "warn", "s", "i", std::string("\x1f") + R"({"msg":"m","route":"/v1","ts":"fake"})"));
  EXPECT_EQ(with_fields["msg"], "m");
  EXPECT_EQ(with_fields["route"], "/v1");
  EXPECT_EQ(with_fields["ts"], "t") << "fields never override the envelope";
}

TEST(PgPoolDsn, AConnectTimeoutIsAddedInEitherForm) {
  EXPECT_EQ(with_connect_timeout("host=a dbname=b", 3), "host=a dbname=b connect_timeout=3");
  EXPECT_EQ(with_connect_timeout("postgresql://u:p@h:5432/db", 1),
            "postgresql://u:p@h:5432/db?connect_timeout=2");
  EXPECT_EQ(with_connect_timeout("postgresql://h/db?sslmode=disable", 5),
            "postgresql://h/db?sslmode=disable&connect_timeout=5");
  EXPECT_EQ(with_connect_timeout("host=a connect_timeout=9", 3), "host=a connect_timeout=9");
}

}  // namespace
}  // namespace schemashift::svc
