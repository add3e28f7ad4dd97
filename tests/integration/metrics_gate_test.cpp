// The metrics provider against a real HTTP endpoint serving Prometheus text whose counters
// the test moves: the first scrape is no data, then the error ratio and the p99 are computed
// from the increases between scrapes; a quiet window is no data; an unreachable endpoint is an
// error.
#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "gates/metrics_gate.h"
#include "support/http_endpoint.h"

namespace {

using namespace schemashift::gates;
using schemashift::testing::HttpEndpoint;

class MetricsEndpoint {
 public:
  MetricsEndpoint()
      : server_("/metrics", [this](const httplib::Request&, httplib::Response& res) {
          std::lock_guard lock(mu_);
          res.set_content(
              "# TYPE http_requests_total counter\n"
              "http_requests_total{code=\"200\"} " +
                  std::to_string(ok_) +
                  "\n"
                  "http_requests_total{code=\"500\"} " +
                  std::to_string(errors_) +
                  "\n"
                  "req_seconds_bucket{le=\"0.05\"} " +
                  std::to_string(fast_) +
                  "\n"
                  "req_seconds_bucket{le=\"0.5\"} " +
                  std::to_string(fast_ + slow_) +
                  "\n"
                  "req_seconds_bucket{le=\"+Inf\"} " +
                  std::to_string(fast_ + slow_) + "\n",
              "text/plain; version=0.0.4");
        }) {}
  void add(long ok, long errors, long fast, long slow) {
    std::lock_guard lock(mu_);
    ok_ += ok;
    errors_ += errors;
    fast_ += fast;
    slow_ += slow;
  }
  std::string url() const { return server_.url("/metrics"); }

 private:
  std::mutex mu_;
  long ok_ = 0, errors_ = 0, fast_ = 0, slow_ = 0;
  HttpEndpoint server_;  // last: it serves from construction and reads the members above
};

TEST(MetricsGate, ErrorRatioAndP99ComeFromIncreasesBetweenScrapes) {
  MetricsEndpoint ep;
  ep.add(500, 0, 500, 0);
  MetricsProvider provider;
  const nlohmann::json ratio = {{"url", ep.url()},
                                {"errors", "http_requests_total{code=~\"5..\"}"},
                                {"total", "http_requests_total"}};
  const nlohmann::json p99 = {{"url", ep.url()}, {"histogram", "req_seconds"}, {"quantile", 0.99}};
  EXPECT_EQ(provider.measure("ratio", ratio).kind, MeasurementKind::kNoData)
      << "a rate needs two scrapes";
  EXPECT_EQ(provider.measure("p99", p99).kind, MeasurementKind::kNoData);

  ep.add(980, 20, 900, 100);  // 1,000 requests, 2% errors; 10% slower than 50 ms
  auto r = provider.measure("ratio", ratio);
  ASSERT_EQ(r.kind, MeasurementKind::kValue) << r.detail;
  EXPECT_DOUBLE_EQ(r.value, 0.02);
  auto q = provider.measure("p99", p99);
  ASSERT_EQ(q.kind, MeasurementKind::kValue) << q.detail;
  EXPECT_NEAR(q.value, 0.05 + 0.45 * 90.0 / 100.0, 1e-9) << q.detail;

  EXPECT_EQ(provider.measure("ratio", ratio).kind, MeasurementKind::kNoData)
      << "no traffic since: no data";
}

TEST(MetricsGate, ACounterGateReportsItsIncreaseSinceTheLastScrape) {
  MetricsEndpoint ep;
  MetricsProvider provider;
  const nlohmann::json v1 = {{"url", ep.url()}, {"counter", "http_requests_total{code=\"500\"}"}};
  EXPECT_EQ(provider.measure("v1", v1).kind, MeasurementKind::kNoData);
  ep.add(10, 7, 0, 0);
  auto m = provider.measure("v1", v1);
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 7);
  m = provider.measure("v1", v1);
  EXPECT_EQ(m.value, 0) << "quiet since: evidence that nobody calls it";
}

TEST(MetricsGate, AnUnreachableEndpointIsAnError) {
  MetricsProvider provider;
  auto m = provider.measure(
      "x", {{"url", "http://127.0.0.1:1/metrics"}, {"errors", "a"}, {"total", "b"}});
  EXPECT_EQ(m.kind, MeasurementKind::kError);
  EXPECT_NE(m.detail.find("scrape http://127.0.0.1:1/metrics"), std::string::npos) << m.detail;
}

}  // namespace

namespace {

// With `deployment`, every pod's page is scraped (the reconciler gives their URLs): each pod's
// increase against its own last scrape, summed; a restarted pod counts from zero; a pod that
// cannot be scraped is an error, never a clean value.
TEST(MetricsGate, OverEveryPodOfADeploymentTheIncreasesAreSummedPodByPod) {
  auto a = std::make_unique<MetricsEndpoint>();
  MetricsEndpoint b;
  MetricsProvider provider;
  auto params = [&] {
    return nlohmann::json{{"deployment", "fulfillment"},
                          {"errors", "http_requests_total{code=\"500\"}"},
                          {"total", "http_requests_total"},
                          {"podUrls", {a->url(), b.url()}}};
  };
  a->add(100, 0, 0, 0);
  b.add(900, 0, 0, 0);
  EXPECT_EQ(provider.measure("g", params()).kind, MeasurementKind::kNoData) << "the baseline";
  // 10 errors in 100 calls on a, 0 in 100 on b: 10 of 200 over the Deployment.
  a->add(90, 10, 0, 0);
  b.add(100, 0, 0, 0);
  auto m = provider.measure("g", params());
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_DOUBLE_EQ(m.value, 0.05) << m.detail;
  EXPECT_NE(m.detail.find("2 pods of fulfillment"), std::string::npos) << m.detail;
  // a restarts (its counters start again from zero): its new counts are all new.
  a = std::make_unique<MetricsEndpoint>();
  a->add(40, 10, 0, 0);
  b.add(50, 0, 0, 0);
  m = provider.measure("g", params());
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_DOUBLE_EQ(m.value, 0.1) << "10 errors in 100 calls: " << m.detail;
  // A pod that cannot be scraped.
  auto p = params();
  a.reset();  // its URL in p now answers nothing
  EXPECT_EQ(provider.measure("g", p).kind, MeasurementKind::kError);
  // Counter form, summed too.
  MetricsProvider counters;
  nlohmann::json c = {{"deployment", "customers"},
                      {"counter", "http_requests_total{code=\"500\"}"},
                      {"podUrls", {b.url()}}};
  EXPECT_EQ(counters.measure("c", c).kind, MeasurementKind::kNoData);
  b.add(0, 3, 0, 0);
  EXPECT_DOUBLE_EQ(counters.measure("c", c).value, 3);
}

}  // namespace
