// The barrier as the reconciler asks it, with two targets in one database: each target's live
// instances are counted against that target's own Deployment's ready replicas. (Counting every
// target against the sum of all of them made two targets of one replica each never pass.)
#include <memory>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "controller/flag_barrier.h"
#include "flag_agent.h"
#include "flags/flag_store.h"
#include "support/helpers.h"
#include "support/scratch_database.h"

namespace {

using namespace std::chrono_literals;
using schemashift::controller::acknowledged_mode;
using schemashift::migration::FlagMode;
using schemashift::svc::AgentOptions;
using schemashift::svc::FlagAgent;
using schemashift::testing::eventually;
using schemashift::testing::ScratchDatabase;

class FlagBarrier : public ::testing::Test {
 protected:
  void SetUp() override {
    schemashift::flags::ensure_flag_schema(conn_);
    spec_.targets = {{"orders", "orders-deploy", "orders.amount"},
                     {"fulfillment", "fulfillment-deploy", "fulfillment.order_events"}};
    status_.flag_mode = FlagMode::kDualWrite;
  }
  std::unique_ptr<FlagAgent> agent(const std::string& service, bool accept = true) {
    auto a = std::make_unique<FlagAgent>(
        AgentOptions{.dsn = db_.dsn(),
                     .service = service,
                     .instance = service + "-0",
                     .poll = 100ms,
                     .heartbeat = 200ms},
        [accept](const std::string&, const std::string& v) { return accept || v == "old"; });
    a->start();
    return a;
  }
  void write_flags(const std::string& value = "dual-write") {
    for (const auto& t : spec_.targets) schemashift::flags::set_flag(conn_, t.flag_key, value);
  }

  ScratchDatabase db_{"barrier"};
  pqxx::connection conn_{db_.dsn()};
  schemashift::migration::MigrationSpec spec_;
  schemashift::migration::MigrationStatus status_;
};

TEST_F(FlagBarrier, TwoTargetsOfOneReplicaEachPassWhenBothAcknowledged) {
  auto orders = agent("orders");
  auto fulfillment = agent("fulfillment");
  write_flags();
  std::string detail;
  EXPECT_TRUE(eventually(
      [&] {
        return acknowledged_mode(conn_, spec_, status_,
                                 {{"orders-deploy", 1}, {"fulfillment-deploy", 1}},
                                 &detail) == FlagMode::kDualWrite;
      },
      10s))
      << detail;
  EXPECT_NE(detail.find("orders: 1 of 1 live instances acknowledged; 1 ready replicas"),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("fulfillment: 1 of 1"), std::string::npos) << detail;
}

TEST_F(FlagBarrier, ATargetWithFewerLiveInstancesThanItsReadyReplicasHoldsIt) {
  auto orders = agent("orders");
  auto fulfillment = agent("fulfillment");
  write_flags();
  std::string detail;
  // fulfillment's Deployment says 2 are ready, only one instance is live: not yet.
  ASSERT_FALSE(eventually(
      [&] {
        return acknowledged_mode(conn_, spec_, status_,
                                 {{"orders-deploy", 1}, {"fulfillment-deploy", 2}},
                                 &detail) == FlagMode::kDualWrite;
      },
      2s));
  EXPECT_NE(detail.find("fulfillment: 1 of 1 live instances acknowledged; 2 ready replicas"),
            std::string::npos)
      << detail;
}

TEST_F(FlagBarrier, ATargetThatRefusesTheModeHoldsItAndIsNamed) {
  auto orders = agent("orders");
  auto fulfillment = agent("fulfillment", /*accept=*/false);  // takes only "old"
  write_flags("old");
  std::string detail;
  status_.flag_mode = FlagMode::kOld;
  ASSERT_TRUE(eventually(
      [&] {
        return acknowledged_mode(conn_, spec_, status_,
                                 {{"orders-deploy", 1}, {"fulfillment-deploy", 1}},
                                 &detail) == FlagMode::kOld;
      },
      10s))
      << detail;
  status_.flag_mode = FlagMode::kDualWrite;
  write_flags();
  ASSERT_FALSE(eventually(
      [&] {
        return acknowledged_mode(conn_, spec_, status_,
                                 {{"orders-deploy", 1}, {"fulfillment-deploy", 1}},
                                 &detail) == FlagMode::kDualWrite;
      },
      2s));
  EXPECT_NE(detail.find("waiting for fulfillment/fulfillment-0"), std::string::npos) << detail;
}

}  // namespace
