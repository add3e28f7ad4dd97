// The metrics provider: scrapes a Prometheus text endpoint (a service's /metrics) and judges
// what happened since its previous scrape of the same gate: an error ratio (increase of the
// `errors` selector over increase of `total`), a quantile of a histogram (`histogram`,
// `quantile`, e.g. 0.99), or the increase of a counter (`counter`, e.g. v1 requests, for
// evidence that old clients are gone). No Prometheus server is needed. The first scrape, or a
// window with no traffic, is no data.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gates/gate.h"
#include "gates/prom_text.h"

namespace schemashift::gates {

// With `deployment` (and `metricsPort`, `metricsPath`) instead of `url`, every serving pod of
// that Deployment is scraped and the increases summed (counter, or errors over total), each pod
// against its own previous scrape: a Service's URL would reach one pod at a time.
class MetricsProvider {
 public:
  Measurement measure(const std::string& gate, const nlohmann::json& params);

 private:
  Measurement measure_pods(const std::string& gate, const nlohmann::json& params);
  std::set<std::string> seen_;  // gates measured over pods at least once
  std::mutex mu_;
  std::map<std::string, std::vector<Sample>> previous_;  // gate name -> last scrape
};

}  // namespace schemashift::gates
