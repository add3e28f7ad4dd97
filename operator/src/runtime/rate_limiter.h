// Rate limiting for the work queue, as controllers built on client-go do it: a per-key
// exponential backoff (5 ms doubling to 1000 s) combined with a global token bucket (10 qps,
// burst 100); a retried key waits for whichever is longer. Pure: time is passed in.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace schemashift::runtime {

using Clock = std::chrono::steady_clock;

class ExponentialBackoff {
 public:
  ExponentialBackoff(Clock::duration base = std::chrono::milliseconds(5),
                     Clock::duration cap = std::chrono::seconds(1000))
      : base_(base), cap_(cap) {}
  // The delay before the next retry of `key`; each call counts one more failure.
  Clock::duration when(const std::string& key);
  void forget(const std::string& key) { failures_.erase(key); }
  int failures(const std::string& key) const;

 private:
  Clock::duration base_, cap_;
  std::unordered_map<std::string, int> failures_;
};

class TokenBucket {
 public:
  TokenBucket(double qps = 10, double burst = 100) : qps_(qps), burst_(burst), tokens_(burst) {}
  // Reserves one token at `now`; returns how long the caller must wait for it.
  Clock::duration reserve(Clock::time_point now);

 private:
  double qps_, burst_, tokens_;
  Clock::time_point last_{};
  bool started_ = false;
};

// The default controller rate limiter: max(exponential per key, shared token bucket).
class RateLimiter {
 public:
  Clock::duration when(const std::string& key, Clock::time_point now);
  void forget(const std::string& key);
  int retries(const std::string& key) const;

 private:
  mutable std::mutex mu_;
  ExponentialBackoff backoff_;
  TokenBucket bucket_;
};

}  // namespace schemashift::runtime
