// The prometheus provider against the stack's real Prometheus server (Debian's package): a
// test endpoint is added as a scrape target through file_sd, and instant queries read back
// what Prometheus scraped: the largest series of a vector, a scalar, a value that changes,
// no data for a series that does not exist, and the server's own message for a bad query.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "gates/prometheus.h"
#include "support/helpers.h"
#include "support/http_endpoint.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift::gates;
using namespace std::chrono_literals;
using schemashift::testing::eventually;
using schemashift::testing::HttpEndpoint;
using schemashift::testing::stack_var;

class Target {
 public:
  explicit Target(std::string job)
      : job_(std::move(job)),
        server_("/metrics", [this](const httplib::Request&, httplib::Response& res) {
          std::lock_guard lock(mu_);
          res.set_content(
              "# TYPE gate_test_error_ratio gauge\n"
              "gate_test_error_ratio{job_name=\"" +
                  job_ + "\",service=\"orders\"} " + std::to_string(orders_) +
                  "\ngate_test_error_ratio{job_name=\"" + job_ + "\",service=\"customers\"} 0.05\n",
              "text/plain; version=0.0.4");
        }) {
    // file_sd: Prometheus picks the file up without a restart.
    file_ = std::filesystem::path(stack_var("PROMETHEUS_TARGETS_DIR")) / (job_ + ".json");
    std::ofstream(file_.string() + ".tmp") << R"([{"targets": ["127.0.0.1:)" << server_.port()
                                           << R"("], "labels": {"test": ")" << job_ << R"("}}])";
    std::filesystem::rename(file_.string() + ".tmp", file_);
  }
  ~Target() {
    std::filesystem::remove(file_);
    server_.stop();
  }
  void set_orders(double v) {
    std::lock_guard lock(mu_);
    orders_ = v;
  }

 private:
  std::string job_;
  std::mutex mu_;
  double orders_ = 0.25;
  HttpEndpoint server_;  // after what its handler reads: it serves from construction
  std::filesystem::path file_;
};

nlohmann::json gate(const std::string& query) {
  return {{"address", stack_var("PROMETHEUS_URL") + "/"}, {"query", query}};
}

TEST(PrometheusGate, AnInstantQueryReadsWhatTheServerScraped) {
  const std::string job = "gate-test-" + std::to_string(::getpid());
  Target target(job);
  const std::string q = "gate_test_error_ratio{job_name=\"" + job + "\"}";
  Measurement m;
  ASSERT_TRUE(eventually(
      [&] {
        m = measure_prometheus(gate(q));
        return m.kind == MeasurementKind::kValue;
      },
      30s))
      << "Prometheus never scraped the target: " << m.detail;
  EXPECT_DOUBLE_EQ(m.value, 0.25) << "the largest of the series";
  EXPECT_NE(m.detail.find("largest of 2 series"), std::string::npos) << m.detail;

  target.set_orders(0.5);
  ASSERT_TRUE(eventually(
      [&] {
        m = measure_prometheus(gate(q));
        return m.kind == MeasurementKind::kValue && m.value == 0.5;
      },
      15s))
      << m.detail;

  m = measure_prometheus(gate("scalar(sum(" + q + "))"));
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_DOUBLE_EQ(m.value, 0.55);

  m = measure_prometheus(gate("gate_test_error_ratio{job_name=\"nobody-" + job + "\"}"));
  EXPECT_EQ(m.kind, MeasurementKind::kNoData) << "an empty vector is no data, never a pass";

  m = measure_prometheus(gate("sum(rate(gate_test_error_ratio[1m]"));
  EXPECT_EQ(m.kind, MeasurementKind::kError);
  EXPECT_NE(m.detail.find("parse error"), std::string::npos)
      << "Prometheus's own words: " << m.detail;
}

TEST(PrometheusGate, AServerThatIsNotThereIsAnError) {
  auto m = measure_prometheus({{"address", "http://127.0.0.1:1"}, {"query", "up"}});
  EXPECT_EQ(m.kind, MeasurementKind::kError);
  EXPECT_NE(m.detail.find("127.0.0.1:1"), std::string::npos) << m.detail;
}

}  // namespace
