// Clients of the customers Service at a steady rate while a migration runs, each with its own
// X-Client-Id and API version, each keeping the test's own ledger: the name the API
// acknowledged for each customer it wrote (POST 201, PUT 200). Every tick a client writes (a
// new customer, or a new name for one of its own) and reads one of its own back; an answer is
// judged by its version's shape — v1 carries `first_name` (and no `name`), v2 `name.given`
// (and no `first_name`) — and by the name the ledger holds. A write without an answer
// (timeout, error) makes that customer's name uncertain: either value may be right.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace schemashift::testing {

class CustomersLoad {
 public:
  struct Client {
    std::string id;       // X-Client-Id, e.g. "web-v1"
    std::string version;  // "v1" or "v2"
  };
  // One thread per client, one tick every `period` on a fixed schedule.
  CustomersLoad(std::string customers_url, std::vector<Client> clients,
                std::chrono::milliseconds period);
  ~CustomersLoad();  // stops
  void stop();

  struct Tally {
    int requests = 0, errors = 0, wrong_shape = 0, wrong_name = 0;
  };
  std::map<std::string, Tally> tallies() const;  // by client id
  // The first problems seen ("web-v1 GET /v1/customers/7: 503 ..."), at most 20.
  std::vector<std::string> problems() const;
  // customer id -> the names any acknowledged or unanswered write may have left.
  std::map<std::int64_t, std::set<std::string>> ledger() const;
  int writes_acknowledged() const { return acked_writes_; }

 private:
  void run(const Client& c);
  void problem(const std::string& p);

  std::string url_;
  std::vector<Client> clients_;
  std::chrono::milliseconds period_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> acked_writes_{0};
  mutable std::mutex mu_;
  std::map<std::string, Tally> tallies_;
  std::vector<std::string> problems_;
  std::map<std::int64_t, std::set<std::string>> ledger_;
  std::vector<std::thread> threads_;
};

// What is wrong in the customers database against the ledger: a customer missing, or whose
// name (in `column`, given_name or first_name) is none the ledger allows. "" when nothing.
std::string customers_ledger_problems(const std::string& dsn,
                                      const std::map<std::int64_t, std::set<std::string>>& ledger,
                                      const std::string& column);

}  // namespace schemashift::testing
