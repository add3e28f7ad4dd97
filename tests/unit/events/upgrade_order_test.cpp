// The compatibility level decides which side of a subject moves first.
#include "events/upgrade_order.h"

#include <gtest/gtest.h>

namespace {

using schemashift::events::upgrade_order;
using schemashift::events::UpgradeOrder;

TEST(UpgradeOrder, BackwardMovesConsumersFirstForwardProducersFullAndNoneTogether) {
  const std::pair<const char*, UpgradeOrder> cases[] = {
      {"BACKWARD", UpgradeOrder::kConsumersFirst},
      {"BACKWARD_TRANSITIVE", UpgradeOrder::kConsumersFirst},
      {"FORWARD", UpgradeOrder::kProducersFirst},
      {"FORWARD_TRANSITIVE", UpgradeOrder::kProducersFirst},
      {"FULL", UpgradeOrder::kTogether},
      {"FULL_TRANSITIVE", UpgradeOrder::kTogether},
      {"NONE", UpgradeOrder::kTogether},
  };
  for (const auto& [level, order] : cases) {
    auto got = upgrade_order(level);
    ASSERT_TRUE(got.ok()) << level << ": " << got.error();
    EXPECT_EQ(*got, order) << level;
  }
  EXPECT_STREQ(to_string(UpgradeOrder::kConsumersFirst), "consumers first");
}

TEST(UpgradeOrder, AnUnknownLevelIsRefusedNamingIt) {
  for (const char* level : {"backward", "", "BACKWARDS"}) {
    auto got = upgrade_order(level);
    ASSERT_FALSE(got.ok()) << level;
    EXPECT_NE(got.error().find(std::string("\"") + level + "\""), std::string::npos) << got.error();
  }
}

}  // namespace
