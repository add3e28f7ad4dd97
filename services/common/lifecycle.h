// Lifecycle: readiness and the shutdown sequence of a service instance. On SIGTERM or SIGINT
// (taken by sigwait, not a handler):
//   /readyz answers 503; sleep drain_delay (the endpoints controller takes the pod out);
//   the API listener closes; in-flight requests finish; then the service's hooks run in the
//   order registered (flush the producer, commit offsets, stop the relay/consumer, stop the
//   flag agent) — all within shutdown_grace, after which the process exits 1 at once.
// Construct it in main before any thread starts: it blocks the signals for every thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "config.h"

namespace schemashift::svc {

class HttpServer;

class Lifecycle {
 public:
  explicit Lifecycle(const ServiceConfig& cfg);
  // The server whose listener closes and whose requests drain on shutdown.
  void drain(HttpServer& server);
  void on_shutdown(std::string name, std::function<void()> hook);
  // Blocks until SIGTERM/SIGINT, runs the shutdown sequence, returns (main then returns 0).
  void run_until_signal();
  // The same sequence without a signal (for tests and for a fatal error in a component).
  void shut_down();
  bool ready() const { return ready_.load() && !shutting_down_.load(); }
  void set_ready(bool ready) { ready_ = ready; }
  bool shutting_down() const { return shutting_down_.load(); }

 private:
  ServiceConfig cfg_;
  HttpServer* server_ = nullptr;
  std::vector<std::pair<std::string, std::function<void()>>> hooks_;
  std::atomic<bool> ready_{false}, shutting_down_{false};
};

}  // namespace schemashift::svc
