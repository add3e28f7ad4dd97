// The apiTraffic provider, the evidence behind spec.api: who still calls the API version a
// migration retires. It scrapes every pod of the API's Deployment (their /metrics, the
// services' http_requests_total{api_version, client}, client = the caller's X-Client-Id) and
// measures how many requests of the old version each client made since the previous
// measurement, summed over the pods.
//   - The first measurement of a gate is the baseline: no data.
//   - A pod seen before whose counters went down or vanished restarted: all its counts are new.
//   - A pod not seen before (a new replica): all its counts are new.
//   - A pod gone since the previous measurement takes its last requests with it (nothing to
//     scrape); that is the only traffic the provider can miss.
//   - A pod that cannot be scraped, or whose page has no http_requests_total (a wrong port),
//     makes the measurement an error, never clean; the previous counts are kept, so the next
//     measurement covers both intervals.
//   - No pod to scrape is no data (nothing shows the traffic stopped).
// The value is the old-version requests since the previous measurement; the detail names the
// clients that made them, most first ("client billing-batch: 12 v1 requests; client unknown:
// 1 v1 request"), since it ends up in the condition that holds the migration.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "gates/gate.h"
#include "gates/prom_text.h"

namespace schemashift::gates {

inline constexpr const char* kApiRequestsMetric = "http_requests_total";

// One client's use of the old version.
struct ClientRequests {
  std::string client;
  double requests = 0;  // since the baseline
  double last = 0;      // in the latest measurement (since the one before)
  bool operator==(const ClientRequests&) const = default;
};

// Old-version requests per client label on one scrape of one pod, with `previous` the same
// pod's previous scrape (nullptr: a pod not seen before). Pure; the provider's arithmetic.
std::map<std::string, double> old_version_increase(const std::vector<Sample>* previous,
                                                   const std::vector<Sample>& now,
                                                   const std::string& old_version);

// "client billing-batch: 12 v1 requests; client unknown: 1 v1 request", most requests first.
std::string describe_clients(const std::map<std::string, double>& by_client,
                             const std::string& old_version);

// One pod's metrics page as scraped: its text, or why there is none.
struct ScrapedPage {
  std::string url;
  Result<std::string, std::string> body;
};

class ApiTrafficProvider {
 public:
  // `pod_urls`: http://POD_IP:9090/metrics of every ready pod of the API's Deployment.
  Measurement measure(const std::string& gate, const std::vector<std::string>& pod_urls,
                      const std::string& old_version);
  // The same on pages already scraped (what measure() does after its GETs).
  Measurement measure_pages(const std::string& gate, const std::vector<ScrapedPage>& pages,
                            const std::string& old_version);

  // Every client seen calling the old version since the gate's baseline, by name (for
  // status.api.clients). Empty before a second measurement.
  std::vector<ClientRequests> per_client(const std::string& gate) const;

 private:
  struct GateCounts {
    std::map<std::string, std::vector<Sample>> pods;  // url -> its last scrape
    std::map<std::string, ClientRequests> clients;    // client -> totals
  };
  mutable std::mutex mu_;
  std::map<std::string, GateCounts> gates_;
};

}  // namespace schemashift::gates
