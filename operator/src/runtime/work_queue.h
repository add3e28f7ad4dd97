// WorkQueue: the controller's queue of object keys ("namespace/name"). Adding a key that is
// already waiting does nothing (duplicates collapse); a key is never handed to two workers at
// once (added again while being processed, it is queued once processing is done); keys can be
// added after a delay or rate-limited (see RateLimiter). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "runtime/rate_limiter.h"

namespace schemashift::runtime {

struct WorkQueueStats {
  std::uint64_t adds = 0;     // keys accepted (not collapsed)
  std::uint64_t retries = 0;  // rate-limited re-adds
  std::size_t depth = 0;      // waiting, ready to be handed out
  std::size_t delayed = 0;    // waiting for their time
  std::size_t processing = 0;
};

class WorkQueue {
 public:
  WorkQueue() = default;

  void add(const std::string& key);
  void add_after(const std::string& key, Clock::duration delay);
  void add_rate_limited(const std::string& key);
  // Clears the key's backoff (after a successful reconcile).
  void forget(const std::string& key) { limiter_.forget(key); }
  int retries(const std::string& key) const { return limiter_.retries(key); }

  // Blocks until a key is ready or the queue is shut down (then nullopt). `queued_for`
  // receives how long the key waited once it was ready.
  std::optional<std::string> get(Clock::duration* queued_for = nullptr);
  // Marks `key` processed; if it was added meanwhile, it is queued again.
  void done(const std::string& key);

  void shut_down();
  bool shutting_down() const;
  WorkQueueStats stats() const;

 private:
  void push_locked(const std::string& key, Clock::time_point now);
  void promote_due_locked(Clock::time_point now);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;       // waiting to be processed
  std::unordered_set<std::string> processing_;  // handed to a worker
  std::unordered_map<std::string, Clock::time_point> ready_since_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::unordered_map<std::string, Clock::time_point> delayed_at_;  // earliest time per key
  RateLimiter limiter_;
  std::uint64_t adds_ = 0, retries_ = 0;
  bool shutdown_ = false;
};

}  // namespace schemashift::runtime
