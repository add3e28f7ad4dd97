// HttpServer: the service's API listener (cpp-httplib) and its metrics listener.
// - a bounded pool: http_threads workers, at most http_queue connections waiting; beyond that
//   a connection is answered 503 + Retry-After at once, by a thread of its own;
// - request ids: X-Request-Id kept when the caller sent a sane one, else generated; echoed;
// - every request counted and timed in Metrics by route *pattern* ("/v1/customers/:id"),
//   method, status, API version (from the pattern's /vN/ prefix) and client (X-Client-Id),
//   and written to the JSON access log;
// - bodies above max_body_bytes get 413; every error a JSON body (see http_errors.h).
// Handlers run on the worker threads and must be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "config.h"
#include "metrics.h"

namespace schemashift::svc {

struct Request {
  const httplib::Request& raw;
  std::string request_id, client_id, api_version;
  std::map<std::string, std::string> params;  // path parameters by name (":id" -> "id")

  std::string param(const std::string& name) const;  // "" when the route has no such parameter
  // The query parameter `name`, or nullopt when absent.
  std::optional<std::string> query(const std::string& name) const;
  std::string header(const std::string& name) const { return raw.get_header_value(name); }
};

struct Response {
  int status = 200;
  nlohmann::json body;  // null: no body
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Response(const Request&)>;

class HttpServer {
 public:
  HttpServer(const ServiceConfig& cfg, Metrics& metrics);
  ~HttpServer();  // stops both listeners
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void get(const std::string& route, Handler h);  // route: "/v1/customers/:id"
  void post(const std::string& route, Handler h);
  void put(const std::string& route, Handler h);
  void del(const std::string& route, Handler h);

  // Binds http_port and metrics_port, serves on background threads; throws on bind failure.
  void start();
  // Closes the API listener; requests already read finish (readyz turned 503 before, in
  // Lifecycle). The metrics listener keeps serving until destruction.
  void stop_accepting();
  // Waits until no request is in flight, at most `max`; true when drained.
  bool wait_drained(std::chrono::milliseconds max);
  int port() const { return port_; }  // actual port (0 in config = ephemeral, for tests)
  int metrics_port() const { return metrics_port_; }
  int in_flight() const { return in_flight_.load(); }

 private:
  struct Route {
    std::string method, pattern;
    std::regex regex;
    std::vector<std::string> names;
  };
  void add(const std::string& method, const std::string& route, Handler h);
  std::string route_for(const std::string& method, const std::string& path) const;
  void on_request_start(const httplib::Request& req);
  void on_request_end(const httplib::Request& req, const httplib::Response& res);

  ServiceConfig cfg_;
  Metrics& metrics_;
  httplib::Server api_, metrics_server_;
  std::vector<Route> routes_;
  std::thread api_thread_, metrics_thread_;
  int port_ = 0, metrics_port_ = 0;
  std::atomic<int> in_flight_{0};
  std::mutex mu_;
  std::condition_variable drained_;
  bool started_ = false;
};

// The /vN of a route pattern ("/v1/customers" -> "v1"), "none" when it has none.
std::string api_version_of(const std::string& route);
// The regular expression for a route pattern and its parameter names, in order.
std::regex route_regex(const std::string& route, std::vector<std::string>& names);
std::string route_regex_text(const std::string& route, std::vector<std::string>& names);

}  // namespace schemashift::svc
