#include "common/result.h"

#include <string>

#include <gtest/gtest.h>

namespace {

using schemashift::fail;
using schemashift::Result;

Result<int, std::string> parse_positive(int v) {
  if (v <= 0) return fail(std::string("not positive: ") + std::to_string(v));
  return v;
}

TEST(Result, CarriesAValueOrAFailure) {
  auto ok = parse_positive(3);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "not positive: -1");
}

TEST(Result, FailureIsDistinctEvenWhenValueAndErrorHaveTheSameType) {
  Result<std::string, std::string> value = std::string("v");
  Result<std::string, std::string> error = fail(std::string("e"));
  EXPECT_TRUE(value.ok());
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.error(), "e");
}

TEST(Result, VoidResultIsOkByDefault) {
  Result<void, std::string> ok;
  Result<void, std::string> bad = fail(std::string("boom"));
  EXPECT_TRUE(ok.ok());
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "boom");
}

}  // namespace
