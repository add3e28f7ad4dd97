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

#include "service_process.h"

namespace httplib {
class Result;
}  // namespace httplib

namespace schemashift::testing {

// Starts build/bin/<binary> as `instance` on the database `dsn` with `args` (see
// service_process.h for the test defaults), ready once /readyz answers 200.
ServiceProcess start_service(const std::string& binary, const std::string& instance,
                             const std::string& dsn, std::vector<std::string> args);

struct HttpReply {
  int status = 0;  // 0: no answer
  nlohmann::json body;
  std::string text;
};
// A cpp-httplib answer as a reply (status 0 when there was none; body null unless JSON).
HttpReply reply_of(const httplib::Result& r);
HttpReply http_post(int port, const std::string& path, const nlohmann::json& body);
HttpReply http_get(int port, const std::string& path);
// The value of the series `series` (the whole name before the value, labels included, as the
// page writes it: `orders_outbox_pending`, `x_total{result="sent"}`) on the metrics port; -1
// when absent.
double series_value(int metrics_port, const std::string& series);

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
