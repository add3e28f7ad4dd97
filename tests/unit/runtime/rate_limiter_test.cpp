#include "runtime/rate_limiter.h"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using schemashift::runtime::Clock;
using schemashift::runtime::ExponentialBackoff;
using schemashift::runtime::RateLimiter;
using schemashift::runtime::TokenBucket;

TEST(ExponentialBackoff, DoublesFromFiveMillisecondsPerKeyUpToTheCap) {
  ExponentialBackoff b;
  EXPECT_EQ(b.when("a"), 5ms);
  EXPECT_EQ(b.when("a"), 10ms);
  EXPECT_EQ(b.when("a"), 20ms);
  EXPECT_EQ(b.when("b"), 5ms) << "keys back off independently";
  for (int i = 0; i < 100; ++i) b.when("a");
  EXPECT_EQ(b.when("a"), 1000s);
  EXPECT_EQ(b.failures("a"), 104);
  b.forget("a");
  EXPECT_EQ(b.when("a"), 5ms);
}

TEST(TokenBucket, AllowsABurstThenPacesAtTheRate) {
  TokenBucket bucket(10, 100);
  const auto t0 = Clock::time_point() + 1h;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bucket.reserve(t0), Clock::duration::zero()) << i;
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.reserve(t0)), 100ms);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.reserve(t0)), 200ms);
  // 100 ms later one token has come back, but two are owed: the wait is still 200 ms.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.reserve(t0 + 100ms)),
            200ms);
  // Two seconds on, the debt is paid and tokens have accrued again.
  EXPECT_EQ(bucket.reserve(t0 + 2s), Clock::duration::zero());
}

TEST(RateLimiter, WaitsForTheLongerOfBackoffAndBucket) {
  RateLimiter rl;
  const auto now = Clock::time_point() + 1h;
  EXPECT_EQ(rl.when("k", now), 5ms);
  EXPECT_EQ(rl.when("k", now), 10ms);
  EXPECT_EQ(rl.retries("k"), 2);
  rl.forget("k");
  EXPECT_EQ(rl.retries("k"), 0);
  for (int i = 0; i < 98; ++i) rl.when("other" + std::to_string(i), now);
  EXPECT_GE(rl.when("fresh", now), 100ms)
      << "past the burst the bucket dominates a fresh key's 5 ms";
}

}  // namespace
