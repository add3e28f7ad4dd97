#include "metrics.h"

#include <sstream>

#include <prometheus/text_serializer.h>

namespace schemashift::svc {

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(&prometheus::BuildCounter()
                     .Name("http_requests_total")
                     .Help("HTTP requests by route pattern, method, status, API version and client")
                     .Register(*registry_)),
      duration_(&prometheus::BuildHistogram()
                     .Name("http_request_duration_seconds")
                     .Help("HTTP request latency by route pattern, method and API version")
                     .Register(*registry_)) {}

prometheus::Registry& Metrics::registry() { return *registry_; }

std::string Metrics::serialize() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

std::string Metrics::client_label(const std::string& header) {
  std::string out;
  for (char c : header) {
    if (out.size() >= 64) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (ok) out.push_back(c);
  }
  return out.empty() ? "unknown" : out;
}

std::string Metrics::bounded_client(const std::string& client) {
  std::lock_guard lock(mu_);
  if (clients_.count(client)) return client;
  if (clients_.size() >= kMaxClients) return "other";
  clients_.insert(client);
  return client;
}

void Metrics::observe_request(const std::string& route, const std::string& method, int status,
                              const std::string& api_version, const std::string& client,
                              double seconds) {
  requests_
      ->Add({{"route", route},
             {"method", method},
             {"status", std::to_string(status)},
             {"api_version", api_version},
             {"client", bounded_client(client)}})
      .Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  duration_->Add({{"route", route}, {"method", method}, {"api_version", api_version}}, kBuckets)
      .Observe(seconds);
}

}  // namespace schemashift::svc
