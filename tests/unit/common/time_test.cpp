#include "common/time.h"

#include <gtest/gtest.h>

namespace {

TEST(Time, FormatsKubernetesTimestampsInUtc) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
                 std::chrono::microseconds(42);
  EXPECT_EQ(schemashift::rfc3339(t), "2023-11-14T22:13:20Z");
  EXPECT_EQ(schemashift::micro_time(t), "2023-11-14T22:13:20.000042Z");
}

}  // namespace
