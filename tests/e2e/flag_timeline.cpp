#include "e2e/flag_timeline.h"

#include <algorithm>
#include <memory>
#include <sstream>

#include <pqxx/pqxx>

namespace schemashift::testing {

FlagTimeline::FlagTimeline(std::vector<Watch> watches) : watches_(std::move(watches)) {
  thread_ = std::thread([this] { run(); });
}

FlagTimeline::~FlagTimeline() { stop(); }

void FlagTimeline::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void FlagTimeline::run() {
  std::vector<std::unique_ptr<pqxx::connection>> conns;
  try {
    for (const auto& w : watches_) conns.push_back(std::make_unique<pqxx::connection>(w.dsn));
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    error_ = std::string("cannot connect: ") + e.what();
    return;
  }
  while (!stopping_) {
    for (std::size_t i = 0; i < watches_.size(); ++i) {
      const auto& w = watches_[i];
      try {
        pqxx::nontransaction nt(*conns[i]);
        // The flag tables appear when the first instance or the operator makes them.
        if (nt.exec1("SELECT to_regclass('schemashift.flag_acks') IS NOT NULL")[0].as<bool>() ==
            false)
          continue;
        auto flag = nt.exec_params(
            "SELECT value, generation, extract(epoch FROM updated_at)::float8 "
            "FROM schemashift.flags WHERE key = $1",
            w.key);
        auto acks = nt.exec_params(
            "SELECT instance, value, generation, extract(epoch FROM heartbeat_at)::float8 "
            "FROM schemashift.flag_acks WHERE key = $1",
            w.key);
        std::lock_guard lock(mu_);
        auto& s = seen_[w.label];
        if (!flag.empty()) {
          const auto value = flag[0][0].as<std::string>();
          if (s.values.empty() || s.values.back() != value) s.values.push_back(value);
          if (!s.written.count(value)) {
            s.written[value] = flag[0][2].as<double>();
            s.generation[value] = flag[0][1].as<long long>();
          }
        }
        for (const auto& a : acks) {
          const auto value = a[1].as<std::string>();
          const auto gen = a[2].as<long long>();
          auto g = s.generation.find(value);
          // An acknowledgement of the value's generation (or, for a value the instances
          // hold from before any flag row, e.g. "old", of any generation).
          if (g != s.generation.end() && gen < g->second) continue;
          s.acked[value].emplace(a[0].as<std::string>(), a[3].as<double>());
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mu_);
        error_ = w.label + ": " + e.what();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<double> FlagTimeline::written_at(const std::string& label,
                                               const std::string& value) const {
  std::lock_guard lock(mu_);
  auto s = seen_.find(label);
  if (s == seen_.end()) return std::nullopt;
  auto w = s->second.written.find(value);
  if (w == s->second.written.end()) return std::nullopt;
  return w->second;
}

std::optional<double> FlagTimeline::acknowledged_by(
    const std::string& label, const std::string& value,
    const std::vector<std::string>& instances) const {
  std::lock_guard lock(mu_);
  auto s = seen_.find(label);
  if (s == seen_.end() || instances.empty()) return std::nullopt;
  auto v = s->second.acked.find(value);
  if (v == s->second.acked.end()) return std::nullopt;
  double latest = 0;
  for (const auto& i : instances) {
    auto a = v->second.find(i);
    if (a == v->second.end()) return std::nullopt;
    latest = std::max(latest, a->second);
  }
  return latest;
}

std::vector<std::string> FlagTimeline::values(const std::string& label) const {
  std::lock_guard lock(mu_);
  auto s = seen_.find(label);
  return s == seen_.end() ? std::vector<std::string>{} : s->second.values;
}

std::string FlagTimeline::describe() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  out.precision(16);
  if (!error_.empty()) out << "last sampling error: " << error_ << "\n";
  for (const auto& [label, s] : seen_) {
    out << label << ":";
    for (const auto& v : s.values) out << " " << v;
    out << "\n";
    for (const auto& [value, at] : s.written)
      out << "  " << value << " written at " << at << " (generation " << s.generation.at(value)
          << ")\n";
    for (const auto& [value, inst] : s.acked)
      for (const auto& [i, at] : inst)
        out << "  " << value << " acknowledged by " << i << " at " << at << "\n";
  }
  return out.str();
}

}  // namespace schemashift::testing
