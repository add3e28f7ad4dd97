// Two targets in two different databases pass their barriers (the regression test for the
// barrier that compared each service's instances with the sum of every target's ready
// replicas, which two targets could never pass): orders (orders.metadata, in the orders
// database, where the migration's expand adds the column) and fulfillment
// (fulfillment.order_events, in the fulfillment database), two pods each on the real node.
// The verdict is each database's own flag rows: every pod of each service acknowledged each
// mode in its service's database, and neither key was written into the other's database.
#include <iostream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/flag_timeline.h"
#include "e2e/services_shop.h"
#include "e2e/shop_migration.h"
#include "support/helpers.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::FlagTimeline;
using schemashift::testing::scalar;
using schemashift::testing::Shop;
using schemashift::testing::ShopOperator;

std::string secret_ref(const std::string& service) {
  return "{secretRef: {name: " + ShopOperator::secret(service) + ", key: dsn}}";
}

std::string two_database_manifest(const std::string& ns) {
  return "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n"
         "  name: two-databases\n  namespace: " +
         ns + "\nspec:\n  database: " + secret_ref("orders") +
         "\n  targets:\n"
         "  - service: orders\n    deployment: orders\n    flagKey: orders.metadata\n"
         "    roles: [writer, reader]\n    database: " +
         secret_ref("orders") +
         "\n  - service: fulfillment\n    deployment: fulfillment\n"
         "    flagKey: fulfillment.order_events\n    roles: [writer, reader]\n    database: " +
         secret_ref("fulfillment") +
         "\n  expand:\n"
         "    sql: [\"ALTER TABLE orders ADD COLUMN IF NOT EXISTS metadata jsonb\"]\n"
         "  contract:\n    approval: Auto\n"
         "  rollback:\n    sql: [\"ALTER TABLE orders DROP COLUMN IF EXISTS metadata\"]\n";
}

bool acknowledged(const nlohmann::json& target) {
  const auto& a = target.contains("acknowledged") ? target["acknowledged"] : nlohmann::json();
  if (a.is_boolean()) return a.get<bool>();
  return a.is_string() && a.get<std::string>() == target.value("mode", "?");
}

TEST(ServicesMigration, TwoTargetsInTwoDatabasesPassTheirBarriers) {
  const auto started = std::chrono::steady_clock::now();
  Shop shop;
  shop.install_all({{"orders", "--set replicaCount=2"}, {"fulfillment", "--set replicaCount=2"}});
  ShopOperator op(shop);
  FlagTimeline timeline(
      {{"orders", shop.db("orders").dsn(), "orders.metadata"},
       {"fulfillment", shop.db("fulfillment").dsn(), "fulfillment.order_events"}});
  op.apply(two_database_manifest(shop.ns()));
  const bool completed = op.wait_phase("two-databases", "Completed", 180s);
  timeline.stop();
  ASSERT_TRUE(completed) << op.describe("two-databases") << timeline.describe();

  // Each mode, in each database, acknowledged by both pods of its own Deployment.
  const auto orders_pods = shop.ready_pods("orders");
  const auto fulfillment_pods = shop.ready_pods("fulfillment");
  ASSERT_EQ(orders_pods.size(), 2u);
  ASSERT_EQ(fulfillment_pods.size(), 2u);
  for (const std::string mode : {"dual-write", "read-new", "new"}) {
    EXPECT_TRUE(timeline.acknowledged_by("orders", mode, orders_pods))
        << mode << timeline.describe();
    EXPECT_TRUE(timeline.acknowledged_by("fulfillment", mode, fulfillment_pods))
        << mode << timeline.describe();
  }
  // The next mode is written only after every pod of both acknowledged the one before.
  for (const auto& [mode, next] : std::vector<std::pair<std::string, std::string>>{
           {"dual-write", "read-new"}, {"read-new", "new"}}) {
    for (const std::string s : {"orders", "fulfillment"}) {
      const auto acked =
          timeline.acknowledged_by(s, mode, s == "orders" ? orders_pods : fulfillment_pods);
      for (const std::string t : {"orders", "fulfillment"}) {
        const auto written = timeline.written_at(t, next);
        ASSERT_TRUE(acked && written) << s << " " << mode << timeline.describe();
        EXPECT_LT(*acked, *written)
            << s << " acknowledged " << mode << " after " << t << "'s " << next << " was written\n"
            << timeline.describe();
      }
    }
  }
  // Each key lives in its own service's database only.
  pqxx::connection orders(shop.db("orders").dsn()), fulfillment(shop.db("fulfillment").dsn());
  EXPECT_EQ(scalar(orders, "SELECT string_agg(key, ',' ORDER BY key) FROM schemashift.flags"),
            "orders.metadata");
  EXPECT_EQ(scalar(fulfillment, "SELECT string_agg(key, ',' ORDER BY key) FROM schemashift.flags"),
            "fulfillment.order_events");

  // status.targets: both, each in `new` and acknowledged.
  const auto status = op.get("two-databases")["status"];
  ASSERT_TRUE(status.contains("targets")) << status.dump(2);
  std::map<std::string, nlohmann::json> by_service;
  for (const auto& t : status["targets"]) by_service[t.value("service", "")] = t;
  ASSERT_EQ(by_service.size(), 2u) << status.dump(2);
  for (const std::string s : {"orders", "fulfillment"}) {
    EXPECT_EQ(by_service[s].value("mode", ""), "new") << status.dump(2);
    EXPECT_TRUE(acknowledged(by_service[s])) << status.dump(2);
  }
  std::cout << "[ measured ] "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s in all\n";
}

}  // namespace
