#include "scenarios/load/load_summary.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

namespace schemashift::scenarios {

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.count = static_cast<std::int64_t>(v.size());
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    const auto n = static_cast<double>(v.size());
    auto i = static_cast<std::size_t>(std::ceil(q * n));
    if (i > 0) --i;
    return v[std::min(i, v.size() - 1)];
  };
  p.p50_ms = rank(0.50);
  p.p99_ms = rank(0.99);
  p.p999_ms = rank(0.999);
  p.max_ms = v.back();
  return p;
}

LoadSummary summarize(const std::vector<Sample>& samples, std::vector<ClientTally> clients) {
  LoadSummary s;
  s.clients = std::move(clients);
  std::vector<double> all, writes, reads;
  std::map<int, std::vector<double>> per_second_writes;
  std::map<int, SecondSample> per_second;
  for (const auto& x : samples) {
    if (x.client >= 0 && static_cast<std::size_t>(x.client) < s.clients.size()) {
      auto& t = s.clients[static_cast<std::size_t>(x.client)];
      ++t.requests;
      t.errors += x.error;
      t.wrong += x.wrong;
    }
    all.push_back(x.latency_ms);
    (x.write ? writes : reads).push_back(x.latency_ms);
    const int sec = static_cast<int>(std::floor(x.scheduled_s));
    auto& ps = per_second[sec];
    ps.second = sec;
    ++ps.requests;
    ps.errors += x.error;
    ps.wrong += x.wrong;
    if (x.write) {
      per_second_writes[sec].push_back(x.latency_ms);
      s.longest_write_stall_ms = std::max(s.longest_write_stall_ms, x.latency_ms);
    }
  }
  s.all = percentiles(std::move(all));
  s.writes = percentiles(std::move(writes));
  s.reads = percentiles(std::move(reads));
  for (auto& [sec, ps] : per_second) {
    const auto p = percentiles(per_second_writes[sec]);
    ps.p50_ms = p.p50_ms;
    ps.p99_ms = p.p99_ms;
    ps.max_ms = p.max_ms;
    s.series.push_back(ps);
  }
  return s;
}

namespace {
nlohmann::json pj(const Percentiles& p) {
  return {{"p50_ms", p.p50_ms},
          {"p99_ms", p.p99_ms},
          {"p999_ms", p.p999_ms},
          {"max_ms", p.max_ms},
          {"count", p.count}};
}
}  // namespace

nlohmann::json LoadSummary::to_json() const {
  nlohmann::json j;
  j["clients"] = nlohmann::json::array();
  for (const auto& c : clients)
    j["clients"].push_back({{"client", c.client},
                            {"service", c.service},
                            {"version", c.version},
                            {"requests", c.requests},
                            {"errors", c.errors},
                            {"wrong", c.wrong}});
  j["all"] = pj(all);
  j["writes"] = pj(writes);
  j["reads"] = pj(reads);
  j["longest_write_stall_ms"] = longest_write_stall_ms;
  j["series"] = nlohmann::json::array();
  for (const auto& x : series)
    j["series"].push_back({{"second", x.second},
                           {"requests", x.requests},
                           {"errors", x.errors},
                           {"wrong", x.wrong},
                           {"p50_ms", x.p50_ms},
                           {"p99_ms", x.p99_ms},
                           {"max_ms", x.max_ms}});
  return j;
}

void write_series_csv(const LoadSummary& summary, const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  out << "second,requests,errors,wrong,p50_ms,p99_ms,max_ms\n";
  for (const auto& x : summary.series)
    out << x.second << ',' << x.requests << ',' << x.errors << ',' << x.wrong << ',' << x.p50_ms
        << ',' << x.p99_ms << ',' << x.max_ms << '\n';
}

}  // namespace schemashift::scenarios
