#include "gates/api_traffic.h"

#include <algorithm>
#include <cmath>

#include "common/redact.h"
#include "gates/http_get.h"

namespace schemashift::gates {

namespace {

using Series = std::map<std::map<std::string, std::string>, double>;  // labels -> value

Series requests_of(const std::vector<Sample>& samples) {
  Series out;
  for (const auto& s : samples) {
    if (s.name == kApiRequestsMetric) out[s.labels] += s.value;
  }
  return out;
}

// A process keeps every series it ever had, and counters only go up: a series that went
// down or vanished means the pod's process started again since `before`.
bool restarted(const Series& before, const Series& now) {
  for (const auto& [labels, value] : before) {
    auto it = now.find(labels);
    if (it == now.end() || it->second < value) return true;
  }
  return false;
}

std::string client_of(const std::map<std::string, std::string>& labels) {
  auto it = labels.find("client");
  return it == labels.end() || it->second.empty() ? "unknown" : it->second;
}

std::string count_text(double n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

}  // namespace

std::map<std::string, double> old_version_increase(const std::vector<Sample>* previous,
                                                   const std::vector<Sample>& now,
                                                   const std::string& old_version) {
  const Series after = requests_of(now);
  Series before;
  if (previous) before = requests_of(*previous);
  const bool fresh = !previous || restarted(before, after);
  std::map<std::string, double> out;
  for (const auto& [labels, value] : after) {
    auto v = labels.find("api_version");
    if (v == labels.end() || v->second != old_version) continue;
    double increase = value;
    if (!fresh) {
      auto b = before.find(labels);
      if (b != before.end()) increase = value - b->second;
    }
    if (increase > 0) out[client_of(labels)] += increase;
  }
  return out;
}

std::string describe_clients(const std::map<std::string, double>& by_client,
                             const std::string& old_version) {
  std::vector<std::pair<std::string, double>> rows(by_client.begin(), by_client.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [client, n] : rows) {
    if (n <= 0) continue;
    out += (out.empty() ? "" : "; ") + std::string("client ") + client + ": " + count_text(n) +
           " " + old_version + (std::llround(n) == 1 ? " request" : " requests");
  }
  return out;
}

Measurement ApiTrafficProvider::measure(const std::string& gate,
                                        const std::vector<std::string>& pod_urls,
                                        const std::string& old_version) {
  std::vector<ScrapedPage> pages;
  for (const auto& url : pod_urls) pages.push_back({url, http_get(url, "/metrics")});
  return measure_pages(gate, pages, old_version);
}

Measurement ApiTrafficProvider::measure_pages(const std::string& gate,
                                              const std::vector<ScrapedPage>& pages,
                                              const std::string& old_version) {
  if (pages.empty())
    return {MeasurementKind::kNoData, 0,
            "no ready pod of the API's Deployment to count " + old_version + " requests on"};
  std::map<std::string, std::vector<Sample>> scraped;
  std::string failures;
  for (const auto& [url, body] : pages) {
    if (!body) {
      failures += (failures.empty() ? "" : "; ") + redact_urls(body.error());
    } else if (body->find(kApiRequestsMetric) == std::string::npos) {
      failures += (failures.empty() ? "" : "; ") + redact_urls(url) + " has no " +
                  kApiRequestsMetric + " (not a service's metrics page?)";
    } else {
      scraped[url] = parse_prometheus_text(*body);
    }
  }
  if (!failures.empty())
    return {MeasurementKind::kError, 0,
            "cannot count " + old_version + " requests: scrape " + failures};

  std::lock_guard lock(mu_);
  auto [it, first] = gates_.try_emplace(gate);
  GateCounts& counts = it->second;
  std::map<std::string, double> increase;
  for (const auto& [url, samples] : scraped) {
    auto prev = counts.pods.find(url);
    for (const auto& [client, n] : old_version_increase(
             prev == counts.pods.end() ? nullptr : &prev->second, samples, old_version))
      increase[client] += n;
  }
  const std::string pods =
      std::to_string(scraped.size()) + (scraped.size() == 1 ? " pod" : " pods");
  counts.pods = std::move(scraped);  // pods gone since are forgotten
  if (first)
    return {MeasurementKind::kNoData, 0,
            "baseline of " + old_version + " requests on " + pods +
                ": an increase needs a second measurement"};

  double total = 0;
  for (auto& [client, c] : counts.clients) c.last = 0;
  for (const auto& [client, n] : increase) {
    auto& c = counts.clients[client];
    c.client = client;
    c.requests += n;
    c.last = n;
    total += n;
  }
  if (total <= 0)
    return {MeasurementKind::kValue, 0,
            "no " + old_version + " requests on " + pods + " since the last measurement"};
  return {MeasurementKind::kValue, total, describe_clients(increase, old_version)};
}

std::vector<ClientRequests> ApiTrafficProvider::per_client(const std::string& gate) const {
  std::lock_guard lock(mu_);
  std::vector<ClientRequests> out;
  auto it = gates_.find(gate);
  if (it == gates_.end()) return out;
  for (const auto& [client, c] : it->second.clients) out.push_back(c);
  return out;
}

}  // namespace schemashift::gates
