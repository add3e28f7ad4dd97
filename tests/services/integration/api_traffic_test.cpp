// The operator's apiTraffic evidence against two real customers-service processes (one
// database, as two pods of a Deployment): v1 requests counted per X-Client-Id over both
// metrics pages, v2 traffic left out, a restarted instance (same metrics address, counters
// back at zero) counted from zero, and an instance that stopped answering an error naming it.
#include <csignal>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>
#include <httplib.h>

#include "gates/api_traffic.h"
#include "service_harness.h"
#include "support/helpers.h"
#include "support/scratch_database.h"

namespace schemashift::testing {
namespace {

using gates::ClientRequests;
using gates::MeasurementKind;

std::string metrics_url(const ServiceProcess& p) {
  return "http://127.0.0.1:" + std::to_string(p.metrics_port()) + "/metrics";
}

// The requests `p` counted for `client` ("unknown" when none) at `version`, summed over its
// http_requests_total series; -1 when the metrics page did not answer.
double counted(const ServiceProcess& p, const std::string& client, const std::string& version) {
  httplib::Client c("127.0.0.1", p.metrics_port());
  auto r = c.Get("/metrics");
  if (!r || r->status != 200) return -1;
  const std::string labels_client = "client=\"" + client + "\"";
  const std::string labels_version = "api_version=\"" + version + "\"";
  double total = 0;
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("http_requests_total{", 0) != 0) continue;
    if (line.find(labels_client) == std::string::npos ||
        line.find(labels_version) == std::string::npos)
      continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

// `n` GETs of `path` with X-Client-Id `client` (none when empty), each answered 200. The
// service counts a request after its answer is sent, so this waits until `p`'s metrics page
// shows all `n`; a reading taken straight after the last answer could otherwise miss it.
void call(const ServiceProcess& p, const std::string& path, const std::string& client, int n) {
  const std::string label = client.empty() ? "unknown" : client;
  const std::string version = path.substr(1, 2);
  const double before = counted(p, label, version);
  auto c = p.client();
  httplib::Headers headers;
  if (!client.empty()) headers.emplace("X-Client-Id", client);
  for (int i = 0; i < n; ++i) {
    auto r = c.Get(path, headers);
    ASSERT_TRUE(r) << path;
    ASSERT_EQ(r->status, 200) << path << ": " << r->body;
  }
  ASSERT_TRUE(
      eventually([&] { return counted(p, label, version) == before + n; }, std::chrono::seconds(5)))
      << p.metrics();
}

TEST(ApiTrafficEvidence, CountsV1RequestsPerClientOverRealInstancesThroughARestart) {
  ScratchDatabase db("svc_customers");
  auto a = start_service("customers-service", "customers-a", db.dsn(), {});
  std::optional<ServiceProcess> b = start_service("customers-service", "customers-b", db.dsn(), {});
  const std::string url_a = metrics_url(a), url_b = metrics_url(*b);
  const int b_metrics_port = b->metrics_port();

  gates::ApiTrafficProvider provider;
  auto m = provider.measure("v1-clients", {url_a, url_b}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kNoData) << m.detail;

  call(a, "/v1/customers", "billing-batch", 5);
  call(*b, "/v1/customers", "billing-batch", 7);
  call(*b, "/v1/customers?limit=5", "", 1);
  call(a, "/v2/customers", "fulfillment", 3);
  m = provider.measure("v1-clients", {url_a, url_b}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 13);
  EXPECT_EQ(m.detail, "client billing-batch: 12 v1 requests; client unknown: 1 v1 request");

  m = provider.measure("v1-clients", {url_a, url_b}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 0) << m.detail << " (the probes and the scrapes are not v1)";

  // b restarts on the same metrics address: its counters start again from zero.
  b->process().signal(SIGTERM);
  b->process().wait();
  b.reset();
  b.emplace(start_service("customers-service", "customers-b", db.dsn(),
                          {"--metrics-port=" + std::to_string(b_metrics_port)}));
  ASSERT_EQ(metrics_url(*b), url_b);
  call(*b, "/v1/customers", "billing-batch", 2);
  m = provider.measure("v1-clients", {url_a, url_b}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 2) << m.detail;
  EXPECT_EQ(provider.per_client("v1-clients"),
            (std::vector<ClientRequests>{{"billing-batch", 14, 2}, {"unknown", 1, 0}}));

  // b stops answering: an error naming it, never a clean reading.
  b->process().signal(SIGTERM);
  b->process().wait();
  call(a, "/v1/customers", "billing-batch", 1);
  m = provider.measure("v1-clients", {url_a, url_b}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kError) << m.detail;
  EXPECT_NE(m.detail.find(url_b), std::string::npos) << m.detail;
  // The pod gone from the Deployment's list: a's request since the last good reading counts.
  m = provider.measure("v1-clients", {url_a}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 1) << m.detail;
  EXPECT_EQ(m.detail, "client billing-batch: 1 v1 request");
}

}  // namespace
}  // namespace schemashift::testing
