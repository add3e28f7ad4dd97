// Metrics: the service's prometheus-cpp registry, exposed as Prometheus text on the metrics
// port. The HTTP server records every request here:
//   http_requests_total{route,method,status,api_version,client}
//   http_request_duration_seconds{route,method,api_version}  (histogram, 1 ms .. 10 s)
// `client` is the caller's X-Client-Id (sanitised; beyond kMaxClients distinct ids: "other"),
// so per-client use of an API version — v1 before it is retired — is visible.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace schemashift::svc {

class Metrics {
 public:
  static constexpr std::size_t kMaxClients = 200;

  Metrics();
  prometheus::Registry& registry();
  std::string serialize() const;  // the text format

  void observe_request(const std::string& route, const std::string& method, int status,
                       const std::string& api_version, const std::string& client, double seconds);

  // The label value for an X-Client-Id header: [A-Za-z0-9._-], at most 64 characters,
  // "unknown" when absent.
  static std::string client_label(const std::string& header);

 private:
  std::string bounded_client(const std::string& client);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* duration_;
  std::mutex mu_;
  std::set<std::string> clients_;
};

}  // namespace schemashift::svc
