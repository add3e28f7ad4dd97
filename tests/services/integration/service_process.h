// ServiceProcess: a real service binary started for a test, against a database of its own,
// on free ports (it binds port 0 and logs the ports it got); the test talks to it over HTTP
// as a client would. Plus the flag step an operator performs: write a flag and wait until
// the instance acknowledged it (or check that it did not).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/subprocess.h"

namespace schemashift::testing {

class ServiceProcess {
 public:
  // Starts build/bin/<binary> with DATABASE_DSN=dsn and `args` (beside the test defaults:
  // ephemeral ports on 127.0.0.1, a 200 ms flag poll, a short drain delay), and waits until it
  // listens and /readyz answers 200 (`wait_ready`).
  ServiceProcess(const std::string& binary, const std::string& dsn,
                 std::vector<std::string> args = {}, bool wait_ready = true);

  httplib::Client client() const;  // to the API port, 10 s timeouts
  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  const std::string& instance() const { return instance_; }
  std::string metrics() const;  // the metrics page's text
  Subprocess& process() { return *process_; }
  std::string output() const { return process_->output(); }
  // The JSON log lines so far whose msg is `msg`.
  std::vector<nlohmann::json> log_lines(const std::string& msg) const;
  // The log lines at level error, one per line (for failure messages).
  std::string errors() const;

 private:
  std::unique_ptr<Subprocess> process_;
  std::string instance_;
  int port_ = 0, metrics_port_ = 0;
};

// The operator's step: set `key` to `value` in the service's database; returns the generation.
std::int64_t set_flag(const std::string& dsn, const std::string& key, const std::string& value);
// Whether `instance` of `service` acknowledged `key` = `value` at `generation` within `timeout`.
bool acknowledged(const std::string& dsn, const std::string& service, const std::string& instance,
                  const std::string& key, const std::string& value, std::int64_t generation,
                  std::chrono::milliseconds timeout);

// The value of the first sample line in a Prometheus text page with `name` and every one of
// `labels` (`key="value"` strings); -1 when there is none.
double metric_value(const std::string& text, const std::string& name,
                    const std::vector<std::string>& labels);

}  // namespace schemashift::testing
