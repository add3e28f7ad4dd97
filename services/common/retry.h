// Backoff with jitter for retrying a dependency that is down (the schema registry, the
// customers service, a broker): each delay doubles up to a cap and is spread by random
// jitter, so instances that failed together do not retry together.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>

namespace schemashift::svc {

struct BackoffPolicy {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{5000};
  double multiplier = 2.0;
  double jitter = 0.5;  // a delay is drawn from [base * (1 - jitter), base]
};

// The delays of one retry sequence; reset() after a success.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {});
  Backoff(BackoffPolicy policy, std::uint64_t seed);

  std::chrono::milliseconds next_delay();
  void reset();
  int attempts() const { return attempts_; }

 private:
  BackoffPolicy policy_;
  double base_ms_;
  int attempts_ = 0;
  std::mt19937_64 rng_;
};

// Sleeps `delay` in small steps, returning early (false) once `stopping` says so.
bool sleep_unless(std::chrono::milliseconds delay, const std::function<bool()>& stopping);

}  // namespace schemashift::svc
