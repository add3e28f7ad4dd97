#include "runtime/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace schemashift::runtime {

Clock::duration ExponentialBackoff::when(const std::string& key) {
  int n = failures_[key]++;
  // base * 2^n, computed in floating point so large n saturates at the cap, never overflows.
  double d = static_cast<double>(base_.count()) * std::pow(2.0, std::min(n, 62));
  if (d >= static_cast<double>(cap_.count())) return cap_;
  return Clock::duration(static_cast<Clock::rep>(d));
}

int ExponentialBackoff::failures(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

Clock::duration TokenBucket::reserve(Clock::time_point now) {
  if (!started_) {
    started_ = true;
    last_ = now;
  }
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1;  // may go negative: the debt is the wait
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(-tokens_ / qps_));
}

Clock::duration RateLimiter::when(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  return std::max(backoff_.when(key), bucket_.reserve(now));
}

void RateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  backoff_.forget(key);
}

int RateLimiter::retries(const std::string& key) const {
  std::lock_guard lock(mu_);
  return backoff_.failures(key);
}

}  // namespace schemashift::runtime
