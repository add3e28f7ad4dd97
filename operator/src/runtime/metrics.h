// Metrics: the operator's prometheus-cpp registry, plus what prometheus-cpp lacks: gauges and
// counters read from a function at scrape time (a work queue's depth, an informer's cache).
// render() is the Prometheus text the /metrics endpoint serves. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

namespace schemashift::runtime {

using Labels = std::map<std::string, std::string>;

class MetricsRegistry {
 public:
  MetricsRegistry();

  // Where counters, gauges and histograms are built (prometheus::BuildCounter()...Register).
  prometheus::Registry& registry() { return *registry_; }

  // A gauge (or counter) whose value is read from `read` at every scrape.
  void gauge_func(const std::string& name, const std::string& help, const Labels& labels,
                  std::function<double()> read);
  void counter_func(const std::string& name, const std::string& help, const Labels& labels,
                    std::function<double()> read);

  // Another source of series, collected at every scrape until removed (it must outlive that).
  void add_collectable(const prometheus::Collectable* c);
  void remove_collectable(const prometheus::Collectable* c);

  // The registry, the scrape-time values and the collectables in the text exposition format.
  std::string render() const;

  static std::vector<double> exponential_buckets(double start, double factor, int count);

 private:
  class ScrapeTimeValues;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ScrapeTimeValues> funcs_;
  mutable std::mutex collectables_mu_;
  std::vector<const prometheus::Collectable*> collectables_;
};

}  // namespace schemashift::runtime
