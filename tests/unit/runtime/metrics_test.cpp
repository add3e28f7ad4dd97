#include "runtime/metrics.h"

#include <gtest/gtest.h>

namespace {

using schemashift::runtime::MetricsRegistry;

TEST(Metrics, RendersPrometheusTextWithLabelsAndHistograms) {
  MetricsRegistry r;
  r.counter("requests_total", "Requests", {{"code", "200"}}).inc(3);
  r.counter("requests_total", "Requests", {{"code", "500"}}).inc();
  r.gauge("queue_depth", "Depth").set(7);
  auto& h = r.histogram("latency_seconds", "Latency", {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  r.gauge_func("cached", "Cached objects", {{"resource", "x\"y"}}, [] { return 42.0; });
  const std::string text = r.render();
  for (const char* want :
       {"# TYPE requests_total counter", "requests_total{code=\"200\"} 3",
        "requests_total{code=\"500\"} 1", "# TYPE queue_depth gauge", "queue_depth 7",
        "latency_seconds_bucket{le=\"0.10000000000000001\"} 1",
        "latency_seconds_bucket{le=\"1\"} 2", "latency_seconds_bucket{le=\"+Inf\"} 3",
        "latency_seconds_sum 5.5499999999999998", "latency_seconds_count 3",
        "cached{resource=\"x\\\"y\"} 42"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
}

TEST(Metrics, SameNameWithAnotherTypeIsAProgrammingError) {
  MetricsRegistry r;
  r.counter("x", "X");
  EXPECT_THROW(r.gauge("x", "X"), std::logic_error);
}

TEST(Metrics, HandlesAreStable) {
  MetricsRegistry r;
  auto& a = r.counter("c", "C", {{"k", "1"}});
  for (int i = 0; i < 100; ++i) r.counter("c", "C", {{"k", std::to_string(i + 2)}});
  a.inc();
  EXPECT_EQ(&a, &r.counter("c", "C", {{"k", "1"}}));
  EXPECT_EQ(a.value(), 1);
}

}  // namespace
