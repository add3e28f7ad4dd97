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

namespace {

using std::chrono::system_clock;

TEST(Time, ReadsBothTimestampFormsBack) {
  const auto t = system_clock::time_point(std::chrono::seconds(1700000000));
  EXPECT_EQ(schemashift::parse_rfc3339("2023-11-14T22:13:20Z"), t);
  EXPECT_EQ(schemashift::parse_rfc3339("2023-11-14T22:13:20.000042Z"),
            t + std::chrono::microseconds(42));
  EXPECT_EQ(schemashift::parse_rfc3339(schemashift::micro_time(t)), t);
  EXPECT_EQ(schemashift::parse_rfc3339("2023-11-15T00:13:20+02:00"), t);
}

TEST(Time, RefusesWhatIsNotATimestamp) {
  EXPECT_FALSE(schemashift::parse_rfc3339(""));
  EXPECT_FALSE(schemashift::parse_rfc3339("yesterday"));
  EXPECT_FALSE(schemashift::parse_rfc3339("2023-11-14T22:13:20"));  // no zone
}

}  // namespace
