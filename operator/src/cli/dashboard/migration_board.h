// MigrationBoard: what the dashboard knows, kept current by two watches — the
// SchemaMigrations in the namespace (or every namespace) and their Events. Each change bumps a
// version; the event stream waits on it and sends the board again. A watch that ends is
// resumed from its resourceVersion; one that is too old (410 Gone) lists again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/client.h"

namespace schemashift::cli::dashboard {

class MigrationBoard {
 public:
  // ns "" watches every namespace.
  MigrationBoard(kube::Client client, std::string ns);
  ~MigrationBoard();
  MigrationBoard(const MigrationBoard&) = delete;
  MigrationBoard& operator=(const MigrationBoard&) = delete;

  void start();
  void stop();

  // The board as the page reads it: {version, namespace, synced, error, counters, migrations}.
  nlohmann::json snapshot() const;
  std::uint64_t version() const;
  // Blocks until the version is past `seen`, the board stops, or `timeout`; the version then.
  std::uint64_t wait_past(std::uint64_t seen, std::chrono::milliseconds timeout) const;
  bool stopped() const { return stopping_; }

 private:
  // One resource type listed then watched into `objects` (by UID) until stop.
  void mirror(const kube::ResourceType& rt, std::map<std::string, nlohmann::json>& objects,
              kube::StreamCanceller& canceller, bool& synced);
  void changed();
  void set_error(const std::string& what);

  kube::Client client_;
  std::string ns_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::uint64_t version_ = 0;
  std::map<std::string, nlohmann::json> migrations_;  // by UID
  std::map<std::string, nlohmann::json> events_;      // by UID of the Event
  bool migrations_synced_ = false, events_synced_ = false;
  std::string error_;
  std::atomic<bool> stopping_{false};
  kube::StreamCanceller migration_watch_, event_watch_;
  std::thread migration_thread_, event_thread_;
};

}  // namespace schemashift::cli::dashboard
