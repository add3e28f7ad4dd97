// The scenarios' load: open-loop v1 and v2 clients of the customers and orders Services, each
// under its own X-Client-Id, at a fixed rate. Every request is scheduled at t0 + k / rate and
// its latency counts from that scheduled moment, so a stall of the server shows as latency
// (and never as fewer requests). Every write is kept in a ledger (ledger.h) as soon as it is
// answered or given up on; every answer is judged by its version's shape and by the ledger.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/load/ledger.h"
#include "scenarios/load/load_summary.h"

namespace schemashift::scenarios {

struct ClientPlan {
  std::string id;            // X-Client-Id, e.g. "web-v1"
  std::string service;       // "customers" or "orders"
  std::string version;       // "v1" or "v2"
  double rate = 10;          // scheduled requests per second
  double write_share = 0.5;  // the share of writes; the rest read back one of its own
  // A v1 client that moves to v2 `migrate_after` after it first sees a Deprecation header or a
  // 410 (a client team reacting to the announcement); counted under its own id throughout.
  bool follows_deprecation = false;
  std::chrono::milliseconds migrate_after{2000};
};

struct LoadTargets {
  std::string customers_url, orders_url;  // "http://10.0.0.12:8080"
  std::int64_t seeded_customers = 0;      // orders are for customers 1..N
};

class LoadGenerator {
 public:
  LoadGenerator(LoadTargets targets, std::vector<ClientPlan> clients, std::string ledger_path);
  ~LoadGenerator();
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  void start();
  void stop();  // no new requests; waits for those in flight (their timeout at most)
  double seconds_since_start() const;
  LoadSummary summary() const;  // while running (progress) and after
  // Requests answered so far and how many of them failed or were wrong: cheap, for progress.
  struct Counts {
    std::int64_t requests = 0, errors = 0, wrong = 0;
  };
  Counts counts() const;
  const Ledger& ledger() const { return ledger_; }
  // The first problems seen ("web-v1 GET /v1/customers/7: 503"), at most 20.
  std::vector<std::string> problems() const;

 private:
  struct Client;
  void schedule(Client& c);
  void work(Client& c, int worker);
  void record(const Sample& s, const std::string& problem);

  LoadTargets targets_;
  std::vector<ClientPlan> plans_;
  Ledger ledger_;
  std::chrono::steady_clock::time_point t0_;
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::vector<Sample> samples_;
  std::vector<std::string> problems_;
  std::atomic<std::int64_t> requests_{0}, errors_{0}, wrong_{0};
};

}  // namespace schemashift::scenarios
