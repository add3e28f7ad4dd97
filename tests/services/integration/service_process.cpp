#include "service_process.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "flags/flag_store.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace schemashift::testing {

using namespace std::chrono_literals;

ServiceProcess::ServiceProcess(const std::string& binary, const std::string& dsn,
                               std::vector<std::string> args, bool wait_ready)
    : instance_("test-" + unique_suffix()) {
  std::vector<std::string> argv = {std::string(SCHEMASHIFT_BINARY_DIR) + "/" + binary};
  // The test defaults, unless the test passes the option itself.
  for (const std::string& def :
       std::vector<std::string>{"--listen-host=127.0.0.1", "--http-port=0", "--metrics-port=0",
                                "--instance=" + instance_, "--flag-poll-ms=200",
                                "--drain-delay-ms=300", "--db-acquire-timeout-ms=1000"}) {
    const auto name = def.substr(0, def.find('='));
    const bool given = std::any_of(args.begin(), args.end(),
                                   [&](const std::string& a) { return a.rfind(name, 0) == 0; });
    if (!given) argv.push_back(def);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<Subprocess>(argv, std::vector<std::string>{"DATABASE_DSN=" + dsn});
  const bool listening = eventually(
      [&] {
        auto lines = log_lines("listening");
        if (lines.empty()) return false;
        port_ = lines[0].value("http_port", 0);
        metrics_port_ = lines[0].value("metrics_port", 0);
        return true;
      },
      15s);
  if (!listening)
    throw std::runtime_error(binary + " did not start listening; its output:\n" + output());
  if (wait_ready) {
    auto c = client();
    if (!eventually(
            [&] {
              auto r = c.Get("/readyz");
              return r && r->status == 200;
            },
            15s))
      throw std::runtime_error(binary + " did not become ready; its output:\n" + output());
  }
}

httplib::Client ServiceProcess::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(10, 0);
  c.set_read_timeout(10, 0);
  c.set_write_timeout(10, 0);
  return c;
}

std::string ServiceProcess::metrics() const {
  httplib::Client c("127.0.0.1", metrics_port_);
  auto r = c.Get("/metrics");
  if (!r || r->status != 200) throw std::runtime_error("the metrics page did not answer");
  return r->body;
}

std::vector<nlohmann::json> ServiceProcess::log_lines(const std::string& msg) const {
  std::vector<nlohmann::json> out;
  std::istringstream in(output());
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("msg", "") == msg) out.push_back(j);
  }
  return out;
}

std::string ServiceProcess::errors() const {
  std::string out;
  std::istringstream in(output());
  std::string line;
  while (std::getline(in, line))
    if (line.find("\"level\":\"error\"") != std::string::npos) out += line + "\n";
  return out;
}

std::int64_t set_flag(const std::string& dsn, const std::string& key, const std::string& value) {
  pqxx::connection c(dsn);
  return flags::set_flag(c, key, value);
}

bool acknowledged(const std::string& dsn, const std::string& service, const std::string& instance,
                  const std::string& key, const std::string& value, std::int64_t generation,
                  std::chrono::milliseconds timeout) {
  pqxx::connection c(dsn);
  return eventually(
      [&] {
        pqxx::nontransaction nt(c);
        auto r = nt.exec_params(
            "SELECT 1 FROM schemashift.flag_acks WHERE service = $1 AND instance = $2 AND "
            "key = $3 AND value = $4 AND generation >= $5",
            service, instance, key, value, generation);
        return !r.empty();
      },
      timeout);
}

double metric_value(const std::string& text, const std::string& name,
                    const std::vector<std::string>& labels) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0) continue;
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (all) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

}  // namespace schemashift::testing
