#include "retry.h"

#include <algorithm>
#include <thread>

namespace schemashift::svc {

Backoff::Backoff(BackoffPolicy policy) : Backoff(policy, std::random_device{}()) {}

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed)
    : policy_(policy), base_ms_(static_cast<double>(policy.initial.count())), rng_(seed) {}

std::chrono::milliseconds Backoff::next_delay() {
  const double cap = static_cast<double>(policy_.max.count());
  const double base = std::min(base_ms_, cap);
  std::uniform_real_distribution<double> spread(1.0 - std::clamp(policy_.jitter, 0.0, 1.0), 1.0);
  const double delay = base * spread(rng_);
  base_ms_ = std::min(base_ms_ * policy_.multiplier, cap);
  ++attempts_;
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

void Backoff::reset() {
  base_ms_ = static_cast<double>(policy_.initial.count());
  attempts_ = 0;
}

bool sleep_unless(std::chrono::milliseconds delay, const std::function<bool()>& stopping) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < until) {
    if (stopping && stopping()) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    std::this_thread::sleep_for(
        std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(50)));
  }
  return !(stopping && stopping());
}

}  // namespace schemashift::svc
