#include "runtime/metrics.h"

#include <sstream>
#include <stdexcept>

#include <prometheus/text_serializer.h>

namespace schemashift::runtime {

// The function-backed series, grouped by metric name, collected like any registry.
class MetricsRegistry::ScrapeTimeValues : public prometheus::Collectable {
 public:
  void add(const std::string& name, prometheus::MetricType type, const std::string& help,
           const Labels& labels, std::function<double()> read) {
    std::lock_guard lock(mu_);
    auto [it, inserted] = families_.try_emplace(name);
    if (inserted) {
      it->second.type = type;
      it->second.help = help;
    } else if (it->second.type != type) {
      throw std::logic_error("metric " + name + " registered with two types");
    }
    it->second.series[labels] = std::move(read);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mu_);
    std::vector<prometheus::MetricFamily> out;
    for (const auto& [name, f] : families_) {
      prometheus::MetricFamily family{name, f.help, f.type, {}};
      for (const auto& [labels, read] : f.series) {
        prometheus::ClientMetric m;
        for (const auto& [k, v] : labels) m.label.push_back({k, v});
        if (f.type == prometheus::MetricType::Counter) {
          m.counter.value = read();
        } else {
          m.gauge.value = read();
        }
        family.metric.push_back(std::move(m));
      }
      out.push_back(std::move(family));
    }
    return out;
  }

 private:
  struct Family {
    prometheus::MetricType type;
    std::string help;
    std::map<Labels, std::function<double()>> series;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

MetricsRegistry::MetricsRegistry()
    : registry_(std::make_shared<prometheus::Registry>()),
      funcs_(std::make_shared<ScrapeTimeValues>()) {}

void MetricsRegistry::gauge_func(const std::string& name, const std::string& help,
                                 const Labels& labels, std::function<double()> read) {
  funcs_->add(name, prometheus::MetricType::Gauge, help, labels, std::move(read));
}

void MetricsRegistry::counter_func(const std::string& name, const std::string& help,
                                   const Labels& labels, std::function<double()> read) {
  funcs_->add(name, prometheus::MetricType::Counter, help, labels, std::move(read));
}

void MetricsRegistry::add_collectable(const prometheus::Collectable* c) {
  std::lock_guard lock(collectables_mu_);
  collectables_.push_back(c);
}

void MetricsRegistry::remove_collectable(const prometheus::Collectable* c) {
  std::lock_guard lock(collectables_mu_);
  std::erase(collectables_, c);
}

std::string MetricsRegistry::render() const {
  auto families = registry_->Collect();
  for (auto& f : funcs_->Collect()) families.push_back(std::move(f));
  {
    std::lock_guard lock(collectables_mu_);
    for (const auto* c : collectables_) {
      for (auto& f : c->Collect()) families.push_back(std::move(f));
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

std::vector<double> MetricsRegistry::exponential_buckets(double start, double factor, int count) {
  std::vector<double> b;
  for (int i = 0; i < count; ++i, start *= factor) b.push_back(start);
  return b;
}

}  // namespace schemashift::runtime
