// Faults while orders are created at a fixed rate through the orders Service (2 replicas), the
// test keeping its own ledger of the orders the API acknowledged (201): the Kafka broker
// SIGKILLed and restarted, and an orders pod SIGKILLed mid-stream (kubectl delete --force
// --grace-period=0). Afterwards every acknowledged order has exactly one outbox event and
// exactly one shipment, made from that event.
#include <csignal>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/services_order_load.h"
#include "e2e/services_shop.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::eventually;
using schemashift::testing::ledger_problems;
using schemashift::testing::OrderLoad;
using schemashift::testing::run_command;
using schemashift::testing::scalar;
using schemashift::testing::Shop;
using schemashift::testing::stack_var;

constexpr auto kPeriod = 50ms;  // 20 orders a second

std::int64_t a_customer(Shop& shop) {
  auto r = shop.post("customers", "/v1/customers",
                     {{"first_name", "Grace"},
                      {"last_name", "Hopper"},
                      {"email", "grace@example.org"},
                      {"street", "1 Navy Way"},
                      {"city", "Arlington"},
                      {"postal_code", "22202"},
                      {"country", "US"}});
  if (r.status != 201) throw std::runtime_error("POST /v1/customers: " + r.text);
  return r.body["id"].get<std::int64_t>();
}

std::string stack_dir() { return stack_var("SCHEMASHIFT_STACK_DIR"); }

TEST(ServicesOnTheNode, KafkaBrokerKilledAndRestartedLosesNoAcknowledgedOrder) {
  Shop shop;
  shop.install_all({{"orders", "--set replicaCount=2"}});
  OrderLoad load(shop.url("orders"), a_customer(shop), kPeriod);
  std::this_thread::sleep_for(3s);

  // SIGKILL the broker's process group (the stack started it with setsid).
  std::ifstream pid_file(stack_dir() + "/pids/kafka.pid");
  pid_t pid = 0;
  pid_file >> pid;
  ASSERT_GT(pid, 1) << "no Kafka pid in " << stack_dir() << "/pids/kafka.pid";
  ASSERT_EQ(::kill(-pid, SIGKILL), 0);
  const int before = load.sent();
  std::this_thread::sleep_for(8s);  // orders keep coming; the outbox holds their events
  EXPECT_GT(load.acknowledged().size(), 0u);
  {
    pqxx::connection orders(shop.db("orders").dsn());
    EXPECT_GT(std::stoll(scalar(orders, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")), 0)
        << "with the broker gone, events wait in the outbox";
  }
  auto restarted = run_command("SCHEMASHIFT_STACK_DIR=" + stack_dir() + " " +
                               SCHEMASHIFT_SOURCE_DIR + "/hack/stack.sh restart kafka");
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  std::this_thread::sleep_for(3s);
  load.stop();
  EXPECT_GT(load.sent(), before + 100) << "the load kept its rate while the broker was down";
  const auto acked = load.acknowledged();
  // The API kept working without Kafka: almost every request was acknowledged.
  EXPECT_LE(load.unacknowledged(), load.sent() / 20)
      << load.unacknowledged() << " of " << load.sent() << " unacknowledged";
  std::printf("ledger: %zu orders acknowledged, %d not, of %d sent\n", acked.size(),
              load.unacknowledged(), load.sent());
  const auto problems = ledger_problems(shop, acked, 120s);
  EXPECT_EQ(problems, "") << acked.size() << " acknowledged orders\n"
                          << shop.describe("orders") << shop.describe("fulfillment");
}

TEST(ServicesOnTheNode, AnOrdersPodSigkilledMidStreamLosesNoAcknowledgedOrder) {
  Shop shop;
  shop.install_all({{"orders", "--set replicaCount=2"}});
  OrderLoad load(shop.url("orders"), a_customer(shop), kPeriod);
  std::this_thread::sleep_for(4s);
  const auto pods = shop.ready_pods("orders");
  ASSERT_EQ(pods.size(), 2u) << shop.describe("orders");
  auto killed = shop.kubectl("delete pod " + pods[0] + " --grace-period=0 --force");
  ASSERT_EQ(killed.exit_code, 0) << killed.output;
  // The Deployment replaces it while the load goes on through the Service.
  EXPECT_TRUE(eventually(
      [&] {
        auto ready = shop.ready_pods("orders");
        return ready.size() == 2 && std::find(ready.begin(), ready.end(), pods[0]) == ready.end();
      },
      90s))
      << shop.describe("orders");
  std::this_thread::sleep_for(3s);
  load.stop();
  const auto acked = load.acknowledged();
  EXPECT_GT(acked.size(), 100u);
  std::printf("ledger: %zu orders acknowledged, %d not, of %d sent\n", acked.size(),
              load.unacknowledged(), load.sent());
  const auto problems = ledger_problems(shop, acked, 120s);
  EXPECT_EQ(problems, "") << acked.size() << " acknowledged, " << load.unacknowledged() << " not\n"
                          << shop.describe("orders") << shop.describe("fulfillment");
}

}  // namespace
