// The flag protocol against the real PostgreSQL: agents (one per service instance, each on
// its own connection) apply a flag on NOTIFY and acknowledge it; the barrier holds only when
// every live instance acknowledged, and never with fewer live instances than ready replicas;
// an instance that refuses the mode holds it; a dead instance stops counting once its
// heartbeat is stale; a late-starting instance reads the flag on start.
#include <memory>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "flag_agent.h"
#include "flags/flag_store.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::flags;
using schemashift::svc::AgentOptions;
using schemashift::svc::FlagAgent;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;
using Clock = std::chrono::steady_clock;

class FlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ensure_flag_schema(conn_);
    key_ = "test." + unique_suffix();
    service_ = "svc-" + unique_suffix();
  }
  std::unique_ptr<FlagAgent> agent(const std::string& instance, bool accept = true,
                                   std::chrono::milliseconds heartbeat = 200ms) {
    auto a = std::make_unique<FlagAgent>(
        AgentOptions{.dsn = stack_var("PG_ORDERS_DSN"),
                     .service = service_,
                     .instance = instance,
                     .poll = 1000ms,
                     .heartbeat = heartbeat},
        [accept](const std::string&, const std::string& v) { return accept || v == "old"; });
    a->start();
    return a;
  }
  BarrierState wait_barrier(std::int64_t gen, const std::string& value, int ready,
                            std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    BarrierState b;
    while (Clock::now() < deadline) {
      b = barrier(conn_, key_, gen, value, {service_}, ready, 1000ms);
      if (b.held) return b;
      std::this_thread::sleep_for(5ms);
    }
    return b;
  }

  pqxx::connection conn_{stack_var("PG_ORDERS_DSN")};
  std::string key_, service_;
};

TEST_F(FlagsTest, EveryInstanceAcknowledgesANotifiedFlagQuickly) {
  auto a = agent("a"), b = agent("b"), c = agent("c");
  set_flag(conn_, key_, "old");
  ASSERT_TRUE(wait_barrier(1, "old", 3, 5s).held);
  const auto t0 = Clock::now();
  const auto gen = set_flag(conn_, key_, "dual-write");
  auto state = wait_barrier(gen, "dual-write", 3, 5s);
  const auto took = Clock::now() - t0;
  ASSERT_TRUE(state.held) << state.describe();
  EXPECT_EQ(state.acked, 3);
  EXPECT_LT(took, 900ms) << "NOTIFY, not the 1 s poll, must carry the change";
  EXPECT_EQ(a->value(key_), "dual-write");
}

TEST_F(FlagsTest, AnInstanceThatRefusesTheModeHoldsTheBarrier) {
  auto a = agent("a"), stubborn = agent("stubborn", /*accept=*/false);
  set_flag(conn_, key_, "old");
  ASSERT_TRUE(wait_barrier(1, "old", 2, 5s).held);
  const auto gen = set_flag(conn_, key_, "dual-write");
  auto state = wait_barrier(gen, "dual-write", 2, 1500ms);
  EXPECT_FALSE(state.held);
  EXPECT_EQ(state.live, 2);
  EXPECT_EQ(state.acked, 1);
  ASSERT_EQ(state.lagging.size(), 1u);
  EXPECT_NE(state.describe().find(service_ + "/stubborn"), std::string::npos) << state.describe();
}

TEST_F(FlagsTest, FewerLiveInstancesThanReadyReplicasNeverHold) {
  auto a = agent("a");
  const auto gen = set_flag(conn_, key_, "read-new");
  auto state = wait_barrier(gen, "read-new", /*ready=*/2, 1500ms);
  EXPECT_FALSE(state.held) << "a ready replica that never reported may still read the old shape";
  EXPECT_EQ(state.live, 1);
  EXPECT_NE(state.describe().find("2 ready replicas"), std::string::npos);
}

TEST_F(FlagsTest, ADeadInstanceStopsCountingOnceItsHeartbeatIsStale) {
  auto a = agent("a");
  auto doomed = agent("doomed");
  set_flag(conn_, key_, "old");
  ASSERT_TRUE(wait_barrier(1, "old", 2, 5s).held);
  doomed->stop();  // the pod died
  const auto gen = set_flag(conn_, key_, "dual-write");
  auto state = wait_barrier(gen, "dual-write", 1, 5s);
  EXPECT_TRUE(state.held) << state.describe();
  EXPECT_EQ(state.live, 1);
}

TEST_F(FlagsTest, ALateInstanceReadsTheFlagOnStart) {
  set_flag(conn_, key_, "old");
  const auto gen = set_flag(conn_, key_, "new");
  auto late = agent("late");
  auto state = wait_barrier(gen, "new", 1, 5s);
  EXPECT_TRUE(state.held) << state.describe();
  EXPECT_EQ(late->value(key_), "new");
}

}  // namespace
