// Metrics: a small Prometheus registry (counters, gauges, histograms, and gauges read at
// scrape time) rendered in the text exposition format for /metrics. Thread-safe; metric
// handles stay valid for the registry's lifetime.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace schemashift::runtime {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void inc(double v = 1);
  double value() const { return v_.load(); }

 private:
  std::atomic<double> v_{0};
};

class Gauge {
 public:
  void set(double v) { v_.store(v); }
  void add(double v);
  double value() const { return v_.load(); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void observe(double v);
  // Cumulative bucket counts (one per bound, then +Inf), sum and count.
  void snapshot(std::vector<std::uint64_t>* cumulative, double* sum, std::uint64_t* count) const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class MetricsRegistry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& bounds, const Labels& labels = {});
  // A gauge (or counter) whose value is read from `read` at every scrape.
  void gauge_func(const std::string& name, const std::string& help, const Labels& labels,
                  std::function<double()> read);
  void counter_func(const std::string& name, const std::string& help, const Labels& labels,
                    std::function<double()> read);

  std::string render() const;

  static std::vector<double> exponential_buckets(double start, double factor, int count);

 private:
  struct Family {
    std::string type, help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
    std::map<Labels, std::function<double()>> funcs;
  };
  Family& family(const std::string& name, const std::string& type, const std::string& help);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace schemashift::runtime
