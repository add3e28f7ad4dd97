// HttpEndpoints: the operator's small HTTP servers: /metrics (Prometheus text) on the metrics
// address, /healthz and /readyz on the health-probe address. Addresses are "host:port" or
// ":port" (all interfaces); port 0 picks a free one; "0" disables the server.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "runtime/metrics.h"

namespace httplib {
class Server;
}

namespace schemashift::runtime {

class HttpEndpoints {
 public:
  HttpEndpoints(const MetricsRegistry& metrics, std::function<bool()> healthy,
                std::function<bool()> ready);
  ~HttpEndpoints();
  // Binds both servers; false with `error` naming the address that could not be bound.
  bool start(const std::string& metrics_addr, const std::string& probe_addr, std::string* error);
  void stop();
  int metrics_port() const { return metrics_port_; }
  int probe_port() const { return probe_port_; }

 private:
  const MetricsRegistry& metrics_;
  std::function<bool()> healthy_, ready_;
  std::unique_ptr<httplib::Server> metrics_srv_, probe_srv_;
  std::thread metrics_thread_, probe_thread_;
  int metrics_port_ = 0, probe_port_ = 0;
};

}  // namespace schemashift::runtime
