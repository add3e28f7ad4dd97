// Backoff with jitter: delays grow by the multiplier up to the cap, each spread within the
// jitter band, and start over after reset().
#include "retry.h"

#include <gtest/gtest.h>

namespace schemashift::svc {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsToTheCapWithinTheJitterBand) {
  Backoff b({milliseconds(100), milliseconds(1000), 2.0, 0.5}, 42);
  const int bases[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int base : bases) {
    const auto d = b.next_delay().count();
    EXPECT_GE(d, base / 2) << base;
    EXPECT_LE(d, base) << base;
  }
  EXPECT_EQ(b.attempts(), 7);
  b.reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_LE(b.next_delay().count(), 100);
}

TEST(Backoff, JitterSpreadsInstancesThatFailedTogether) {
  Backoff a({milliseconds(1000), milliseconds(1000), 2.0, 0.5}, 1);
  Backoff b({milliseconds(1000), milliseconds(1000), 2.0, 0.5}, 2);
  int differ = 0;
  for (int i = 0; i < 10; ++i) differ += a.next_delay() != b.next_delay();
  EXPECT_GE(differ, 8);
}

TEST(Backoff, NoJitterIsExact) {
  Backoff b({milliseconds(10), milliseconds(25), 2.0, 0.0}, 7);
  EXPECT_EQ(b.next_delay(), milliseconds(10));
  EXPECT_EQ(b.next_delay(), milliseconds(20));
  EXPECT_EQ(b.next_delay(), milliseconds(25));
}

TEST(SleepUnless, ReturnsEarlyWhenStopping) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(sleep_unless(milliseconds(5000), [] { return true; }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_TRUE(sleep_unless(milliseconds(10), [] { return false; }));
}

}  // namespace
}  // namespace schemashift::svc
