#include "runtime/metrics.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace schemashift::runtime {

namespace {

void atomic_add(std::atomic<double>& a, double v) {
  double cur = a.load();
  while (!a.compare_exchange_weak(cur, cur + v)) {
  }
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string label_text(const Labels& labels, const std::string& extra_key = {},
                       const std::string& extra_val = {}) {
  if (labels.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    out += (first ? "" : ",") + k + "=\"" + escape(v) + "\"";
    first = false;
  }
  if (!extra_key.empty()) out += (first ? "" : ",") + extra_key + "=\"" + extra_val + "\"";
  return out + "}";
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream ss;
  ss.precision(17);
  ss << v;
  return ss.str();
}

}  // namespace

void Counter::inc(double v) { atomic_add(v_, v); }
void Gauge::add(double v) { atomic_add(v_, v); }

void Histogram::observe(double v) {
  std::lock_guard lock(mu_);
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::snapshot(std::vector<std::uint64_t>* cumulative, double* sum,
                         std::uint64_t* count) const {
  std::lock_guard lock(mu_);
  cumulative->clear();
  std::uint64_t acc = 0;
  for (auto c : counts_) cumulative->push_back(acc += c);
  *sum = sum_;
  *count = count_;
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, const std::string& type,
                                                 const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + name + " registered as " + it->second.type + " and " + type);
  }
  return it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, "counter", help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, "gauge", help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      const std::vector<double>& bounds, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, "histogram", help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void MetricsRegistry::gauge_func(const std::string& name, const std::string& help,
                                 const Labels& labels, std::function<double()> read) {
  std::lock_guard lock(mu_);
  family(name, "gauge", help).funcs[labels] = std::move(read);
}

void MetricsRegistry::counter_func(const std::string& name, const std::string& help,
                                   const Labels& labels, std::function<double()> read) {
  std::lock_guard lock(mu_);
  family(name, "counter", help).funcs[labels] = std::move(read);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, f] : families_) {
    out << "# HELP " << name << " " << f.help << "\n# TYPE " << name << " " << f.type << "\n";
    for (const auto& [l, c] : f.counters)
      out << name << label_text(l) << " " << number(c->value()) << "\n";
    for (const auto& [l, g] : f.gauges)
      out << name << label_text(l) << " " << number(g->value()) << "\n";
    for (const auto& [l, fn] : f.funcs) out << name << label_text(l) << " " << number(fn()) << "\n";
    for (const auto& [l, h] : f.histograms) {
      std::vector<std::uint64_t> cum;
      double sum;
      std::uint64_t count;
      h->snapshot(&cum, &sum, &count);
      for (std::size_t i = 0; i < h->bounds().size(); ++i) {
        out << name << "_bucket" << label_text(l, "le", number(h->bounds()[i])) << " " << cum[i]
            << "\n";
      }
      out << name << "_bucket" << label_text(l, "le", "+Inf") << " " << count << "\n";
      out << name << "_sum" << label_text(l) << " " << number(sum) << "\n";
      out << name << "_count" << label_text(l) << " " << count << "\n";
    }
  }
  return out.str();
}

std::vector<double> MetricsRegistry::exponential_buckets(double start, double factor, int count) {
  std::vector<double> b;
  for (int i = 0; i < count; ++i, start *= factor) b.push_back(start);
  return b;
}

}  // namespace schemashift::runtime
