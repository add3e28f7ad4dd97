// A local HTTP server on 127.0.0.1 and a free port, standing in for a service's endpoint in
// tests and benchmarks: the JSON a web gate reads, a /metrics page, a Prometheus scrape
// target. It serves from construction until stop() or destruction.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include <httplib.h>

namespace schemashift::testing {

class HttpEndpoint {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  // Serves GET `path` with `handler` (called on the server's thread).
  HttpEndpoint(const std::string& path, Handler handler);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  void stop();
  int port() const { return port_; }
  std::string url(const std::string& path) const;

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace schemashift::testing
