#include "pg/batch_sizer.h"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using schemashift::pg::BatchSizer;

TEST(BatchSizer, GrowsAtMostOneAndAHalfTimesAStep) {
  BatchSizer s(200ms, 100, 50000, 1000);
  EXPECT_EQ(s.next(1000, 20ms), 1500) << "10x headroom, but growth is capped at 1.5x";
  EXPECT_EQ(s.next(1500, 150ms), 2000) << "200/150 = 1.33x";
}

TEST(BatchSizer, CutsHardAfterASlowBatch) {
  BatchSizer s(200ms, 100, 50000, 8000);
  EXPECT_EQ(s.next(8000, 2000ms), 800) << "10x too slow: a tenth at once";
}

TEST(BatchSizer, StaysWithinBounds) {
  BatchSizer s(200ms, 100, 5000, 1000);
  EXPECT_EQ(s.next(100, 60s), 100);
  int size = 1000;
  for (int i = 0; i < 20; ++i) size = s.next(size, 1ms);
  EXPECT_EQ(size, 5000);
}

TEST(BatchSizer, ConvergesOnTheTargetForALinearCost) {
  BatchSizer s(200ms, 100, 1000000, 1000);
  int size = 1000;
  for (int i = 0; i < 20; ++i)
    size = s.next(size, std::chrono::microseconds(size * 10));  // 10 us per row
  EXPECT_NEAR(size, 20000, 2000) << "200 ms at 10 us per row";
}

TEST(BatchSizer, AHoldHalvesTheNextBatchButNotBelowTheMinimum) {
  BatchSizer s(200ms, 100, 50000, 8000);
  EXPECT_EQ(s.halve(), 4000);
  EXPECT_EQ(s.current(), 4000);
  for (int i = 0; i < 10; ++i) s.halve();
  EXPECT_EQ(s.current(), 100);
}

}  // namespace
