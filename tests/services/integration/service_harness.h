// What the services' integration tests share: the real service binaries started as
// processes against the stack (each on free ports, ready once /readyz says so), plain HTTP
// calls, reading a topic back from the broker, producing raw bytes to it, and setting a flag
// the way the operator does, waiting for the instance's acknowledgement.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/subprocess.h"

namespace schemashift::testing {

struct ServiceProcess {
  std::string name, instance;
  int port = 0, metrics_port = 0;
  std::unique_ptr<Subprocess> process;
  std::string url(const std::string& path) const;
};

// Starts build/bin/<binary> with `args` on free ports as `instance`; waits (up to `timeout`)
// until /readyz answers 200, else throws with the process's output.
ServiceProcess start_service(const std::string& binary, const std::string& instance,
                             std::vector<std::string> args,
                             std::chrono::milliseconds timeout = std::chrono::seconds(60));

struct HttpReply {
  int status = 0;  // 0: no answer
  nlohmann::json body;
  std::string text;
};
HttpReply http_post(int port, const std::string& path, const nlohmann::json& body);
HttpReply http_get(int port, const std::string& path);
// The value of `metric` (the line starting with it, labels included) on the metrics port; -1
// when absent.
double metric_value(int metrics_port, const std::string& metric);

struct TopicRecord {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;  // "" when absent
};
// Reads `topic` from the start until at least `at_least` records arrived and then nothing
// new for `quiet`, or `timeout` passed.
std::vector<TopicRecord> read_topic(const std::string& topic, std::size_t at_least,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                    std::chrono::milliseconds quiet = std::chrono::seconds(2));
// Produces `value` to `topic` and waits for the broker's acknowledgement (throws if none).
void produce_raw(const std::string& topic, const std::string& key, const std::string& value);

// Sets `key` to `value` in the database at `dsn` (the operator's flags/flag_store) and waits up
// to `timeout` for `instance` of `service` to acknowledge that generation; false if it did not.
bool set_flag_acknowledged(const std::string& dsn, const std::string& service,
                           const std::string& instance, const std::string& key,
                           const std::string& value,
                           std::chrono::milliseconds timeout = std::chrono::seconds(15));

}  // namespace schemashift::testing
