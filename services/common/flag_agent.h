// FlagAgent: the flag protocol's instance side, run by every service instance: it reads the
// flags on start, on every NOTIFY schemashift_flags and on a short poll (NOTIFY can be missed
// across a reconnect), hands changes to the service's callback (which switches its code
// paths) and acknowledges the applied generation with a heartbeat. (Moved here from the
// operator, which keeps the store and the barrier: flags/flag_store.h.)
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace schemashift::svc {

struct AgentOptions {
  std::string dsn{};
  std::string service{};
  std::string instance{};
  std::chrono::milliseconds poll{1000};       // re-read even without NOTIFY
  std::chrono::milliseconds heartbeat{1000};  // refresh acknowledgements
  bool listen = true;                         // LISTEN for changes (off: poll only)
  std::function<void()> on_read{};            // after every complete read of the flags
};

class FlagAgent {
 public:
  // `apply(key, value)` switches the service; returning false refuses the value (not acked).
  using Apply = std::function<bool(const std::string& key, const std::string& value)>;

  FlagAgent(AgentOptions opts, Apply apply);
  ~FlagAgent();
  FlagAgent(const FlagAgent&) = delete;
  FlagAgent& operator=(const FlagAgent&) = delete;

  void start();
  void stop();
  std::string value(const std::string& key) const;  // the applied value ("" if none)

 private:
  void loop();

  AgentOptions opts_;
  Apply apply_;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::int64_t>> applied_;  // key -> value, generation
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace schemashift::svc
