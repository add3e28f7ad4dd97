// When flags were written and acknowledged, as the databases themselves tell it: a thread that
// samples schemashift.flags and schemashift.flag_acks of several service databases every 20 ms
// and keeps, for each value a key took, the time the flag row was written (its updated_at) and,
// for each instance, the heartbeat_at of the first acknowledgement row seen with that value
// and generation. heartbeat_at only moves forward, so what is kept is never earlier than the
// acknowledgement: "every pod of A acknowledged before B's flag was written" holds when the
// latest of A's kept times is before B's written time (all times are the one server's clock).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace schemashift::testing {

class FlagTimeline {
 public:
  struct Watch {
    std::string label;  // "orders"
    std::string dsn;    // the service's database, as the host reaches it
    std::string key;    // "orders.event_version"
  };
  explicit FlagTimeline(std::vector<Watch> watches);
  ~FlagTimeline();  // stops
  void stop();

  // Seconds since the epoch on the database server's clock; nullopt when not seen (yet).
  std::optional<double> written_at(const std::string& label, const std::string& value) const;
  // The latest of the instances' first acknowledgements of `value`; nullopt unless every one
  // of `instances` was seen acknowledging it.
  std::optional<double> acknowledged_by(const std::string& label, const std::string& value,
                                        const std::vector<std::string>& instances) const;
  // The values the key was seen taking, in order ("old", "dual-write", ...).
  std::vector<std::string> values(const std::string& label) const;
  // What was seen, for failure messages.
  std::string describe() const;

 private:
  void run();

  struct Seen {
    std::vector<std::string> values;
    std::map<std::string, double> written;                       // value -> updated_at
    std::map<std::string, long long> generation;                 // value -> generation
    std::map<std::string, std::map<std::string, double>> acked;  // value -> instance -> at
  };
  std::vector<Watch> watches_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::map<std::string, Seen> seen_;
  std::string error_;
  std::thread thread_;
};

}  // namespace schemashift::testing
