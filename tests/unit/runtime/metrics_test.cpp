// The operator's registry: prometheus-cpp metrics and the scrape-time values rendered together
// as Prometheus text.
#include "runtime/metrics.h"

#include <atomic>

#include <gtest/gtest.h>
#include <prometheus/counter.h>

namespace {

using schemashift::runtime::MetricsRegistry;

TEST(Metrics, RendersRegistryAndScrapeTimeValuesAsPrometheusText) {
  MetricsRegistry r;
  prometheus::BuildCounter()
      .Name("requests_total")
      .Help("Requests")
      .Register(r.registry())
      .Add({{"code", "200"}})
      .Increment(3);
  std::atomic<int> depth = 7;
  r.gauge_func("queue_depth", "Depth", {{"name", "q"}}, [&] { return double(depth); });
  r.gauge_func("cached", "Cached objects", {{"resource", "x\"y"}}, [] { return 42.0; });
  r.counter_func("adds_total", "Adds", {}, [] { return 5.0; });
  std::string text = r.render();
  for (const char* want :
       {"# TYPE requests_total counter", "requests_total{code=\"200\"} 3",
        "# TYPE queue_depth gauge", "queue_depth{name=\"q\"} 7", "cached{resource=\"x\\\"y\"} 42",
        "# TYPE adds_total counter", "adds_total 5"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  depth = 9;  // read again at the next scrape
  text = r.render();
  EXPECT_NE(text.find("queue_depth{name=\"q\"} 9"), std::string::npos) << text;
}

TEST(Metrics, ScrapeTimeNameWithAnotherTypeIsAProgrammingError) {
  MetricsRegistry r;
  r.gauge_func("x", "X", {}, [] { return 1.0; });
  EXPECT_THROW(r.counter_func("x", "X", {}, [] { return 1.0; }), std::logic_error);
}

TEST(Metrics, ExponentialBuckets) {
  EXPECT_EQ(MetricsRegistry::exponential_buckets(0.001, 2, 4),
            (std::vector<double>{0.001, 0.002, 0.004, 0.008}));
}

}  // namespace
