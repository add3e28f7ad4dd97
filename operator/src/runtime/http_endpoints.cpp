#include "runtime/http_endpoints.h"

#include <httplib.h>

namespace schemashift::runtime {

namespace {

// Binds `srv` to "host:port" / ":port"; returns the port, 0 when disabled ("0"), -1 on error.
int bind(httplib::Server& srv, const std::string& addr) {
  if (addr.empty() || addr == "0") return 0;
  auto colon = addr.rfind(':');
  std::string host = colon == std::string::npos ? "0.0.0.0" : addr.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  int port;
  try {
    port = std::stoi(colon == std::string::npos ? addr : addr.substr(colon + 1));
  } catch (const std::exception&) {
    return -1;
  }
  if (port == 0) return srv.bind_to_any_port(host.c_str());
  return srv.bind_to_port(host.c_str(), port) ? port : -1;
}

}  // namespace

HttpEndpoints::HttpEndpoints(const MetricsRegistry& metrics, std::function<bool()> healthy,
                             std::function<bool()> ready)
    : metrics_(metrics), healthy_(std::move(healthy)), ready_(std::move(ready)) {}

HttpEndpoints::~HttpEndpoints() { stop(); }

bool HttpEndpoints::start(const std::string& metrics_addr, const std::string& probe_addr,
                          std::string* error) {
  metrics_srv_ = std::make_unique<httplib::Server>();
  probe_srv_ = std::make_unique<httplib::Server>();
  metrics_srv_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  auto probe = [](const std::function<bool()>& check) {
    return [check](const httplib::Request&, httplib::Response& res) {
      const bool ok = check();
      res.status = ok ? 200 : 503;
      res.set_content(ok ? "ok" : "not ready", "text/plain");
    };
  };
  probe_srv_->Get("/healthz", probe(healthy_));
  probe_srv_->Get("/readyz", probe(ready_));

  metrics_port_ = bind(*metrics_srv_, metrics_addr);
  if (metrics_port_ < 0) {
    if (error) *error = "cannot listen on the metrics address " + metrics_addr;
    return false;
  }
  probe_port_ = bind(*probe_srv_, probe_addr);
  if (probe_port_ < 0) {
    if (error) *error = "cannot listen on the health-probe address " + probe_addr;
    return false;
  }
  if (metrics_port_ > 0)
    metrics_thread_ = std::thread([this] { metrics_srv_->listen_after_bind(); });
  if (probe_port_ > 0) probe_thread_ = std::thread([this] { probe_srv_->listen_after_bind(); });
  return true;
}

void HttpEndpoints::stop() {
  if (metrics_srv_) metrics_srv_->stop();
  if (probe_srv_) probe_srv_->stop();
  if (metrics_thread_.joinable()) metrics_thread_.join();
  if (probe_thread_.joinable()) probe_thread_.join();
}

}  // namespace schemashift::runtime
