// The flag modes and Flags: parsing, what each mode writes and reads, and refusals (a value
// that is not a mode, or a mode whose precondition fails, is not applied).
#include <gtest/gtest.h>

#include "flag_modes.h"

namespace schemashift::svc {
namespace {

TEST(FlagModes, ParsesTheFourModesAndNothingElse) {
  EXPECT_EQ(parse_flag_mode("old"), FlagMode::kOld);
  EXPECT_EQ(parse_flag_mode("dual-write"), FlagMode::kDualWrite);
  EXPECT_EQ(parse_flag_mode("read-new"), FlagMode::kReadNew);
  EXPECT_EQ(parse_flag_mode("new"), FlagMode::kNew);
  EXPECT_FALSE(parse_flag_mode("NEW"));
  EXPECT_FALSE(parse_flag_mode("dual_write"));
  EXPECT_FALSE(parse_flag_mode(""));
  for (auto m : {FlagMode::kOld, FlagMode::kDualWrite, FlagMode::kReadNew, FlagMode::kNew})
    EXPECT_EQ(parse_flag_mode(to_string(m)), m);
}

TEST(FlagModes, WritesAndReadsFollowTheProtocol) {
  EXPECT_TRUE(writes_old(FlagMode::kOld));
  EXPECT_FALSE(writes_new(FlagMode::kOld));
  EXPECT_FALSE(reads_new(FlagMode::kOld));
  EXPECT_TRUE(writes_old(FlagMode::kDualWrite));
  EXPECT_TRUE(writes_new(FlagMode::kDualWrite));
  EXPECT_FALSE(reads_new(FlagMode::kDualWrite));
  EXPECT_TRUE(writes_old(FlagMode::kReadNew));
  EXPECT_TRUE(writes_new(FlagMode::kReadNew));
  EXPECT_TRUE(reads_new(FlagMode::kReadNew));
  EXPECT_FALSE(writes_old(FlagMode::kNew));
  EXPECT_TRUE(writes_new(FlagMode::kNew));
  EXPECT_TRUE(reads_new(FlagMode::kNew));
}

TEST(Flags, UnsetKeysAreOldAndAppliedValuesStick) {
  Flags flags;
  flags.know("customers.given_name");
  EXPECT_EQ(flags.mode("customers.given_name"), FlagMode::kOld);
  EXPECT_TRUE(flags.apply("customers.given_name", "read-new"));
  EXPECT_EQ(flags.mode("customers.given_name"), FlagMode::kReadNew);
}

TEST(Flags, AValueThatIsNotAModeIsRefusedAndTheOldModeKept) {
  Flags flags;
  flags.know("k");
  ASSERT_TRUE(flags.apply("k", "dual-write"));
  EXPECT_FALSE(flags.apply("k", "sideways"));
  EXPECT_EQ(flags.mode("k"), FlagMode::kDualWrite);
}

TEST(Flags, APreconditionThatFailsRefusesTheModeUntilItHolds) {
  Flags flags;
  bool column = false;
  flags.know("k", [&](FlagMode m) -> std::optional<std::string> {
    if (m != FlagMode::kOld && !column) return "column t.c does not exist";
    return std::nullopt;
  });
  EXPECT_TRUE(flags.apply("k", "old"));
  EXPECT_FALSE(flags.apply("k", "dual-write"));
  EXPECT_EQ(flags.mode("k"), FlagMode::kOld);
  column = true;
  EXPECT_TRUE(flags.apply("k", "dual-write"));
  EXPECT_EQ(flags.mode("k"), FlagMode::kDualWrite);
}

TEST(Flags, APreconditionThatThrowsRefuses) {
  Flags flags;
  flags.know("k", [](FlagMode) -> std::optional<std::string> {
    throw std::runtime_error("database down");
  });
  EXPECT_FALSE(flags.apply("k", "new"));
}

TEST(Flags, KeysOfOtherServicesAreAcceptedAndIgnored) {
  Flags flags;
  EXPECT_TRUE(flags.apply("orders.amount", "garbage"));
  EXPECT_EQ(flags.mode("orders.amount"), FlagMode::kOld);
}

TEST(Flags, LoadedOnlyAfterTheFirstRead) {
  Flags flags;
  EXPECT_FALSE(flags.loaded());
  flags.mark_loaded();
  EXPECT_TRUE(flags.loaded());
}

}  // namespace
}  // namespace schemashift::svc
