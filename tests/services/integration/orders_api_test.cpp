// The orders API of the real binary: both versions' shapes, bad input, unknown orders, paging;
// and the flags: a mode that needs a column the database does not have yet is not
// acknowledged, and once the column exists the mode is taken and its code path writes it.
#include <future>

#include <gtest/gtest.h>

#include "services_fixture.h"
#include "support/helpers.h"

namespace schemashift::testing {
namespace {

using nlohmann::json;

class OrdersApi : public ServicesTest {};

// Two replicas starting at the same instant on a new database both come up: the baseline schema
// is applied by one at a time (concurrent CREATE ... IF NOT EXISTS made one of them crash,
// seen as a pod restart on the real node).
TEST_F(OrdersApi, TwoInstancesStartingTogetherOnANewDatabaseBothServe) {
  auto a = std::async(std::launch::async, [&] { return start_orders("orders-a"); });
  auto b = std::async(std::launch::async, [&] { return start_orders("orders-b"); });
  auto first = a.get();
  auto second = b.get();
  EXPECT_EQ(http_get(first.port(), "/readyz").status, 200);
  EXPECT_EQ(http_get(second.port(), "/readyz").status, 200);
}

TEST_F(OrdersApi, BothVersionsCreateAndReadTheSameOrder) {
  auto orders = start_orders("orders-a");
  auto created = http_post(orders.port(), "/v1/orders",
                           {{"customer_id", 3}, {"amount_cents", 1250}, {"unknown", "ignored"}});
  ASSERT_EQ(created.status, 201) << created.text;
  const auto id = created.body["id"].get<std::int64_t>();
  EXPECT_EQ(created.body,
            (json{{"id", id}, {"customer_id", 3}, {"status", "created"}, {"amount_cents", 1250}}));
  auto v2 = http_get(orders.port(), "/v2/orders/" + std::to_string(id));
  ASSERT_EQ(v2.status, 200);
  EXPECT_EQ(v2.body, (json{{"id", id},
                           {"customer_id", 3},
                           {"status", "created"},
                           {"total_cents", 1250},
                           {"currency", "EUR"},
                           {"amount", "12.50"}}));
  auto v1 = http_get(orders.port(), "/v1/orders/" + std::to_string(id));
  EXPECT_EQ(v1.body, created.body);

  auto bad = http_post(orders.port(), "/v2/orders", {{"customer_id", 3}, {"total_cents", "ten"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["field"], "total_cents") << bad.text;
  EXPECT_EQ(http_post(orders.port(), "/v1/orders", {{"amount_cents", 1}}).body["field"],
            "customer_id");
  EXPECT_EQ(http_post(orders.port(), "/v2/orders",
                      {{"customer_id", 1}, {"total_cents", 1}, {"currency", "USD"}})
                .status,
            400);
  EXPECT_EQ(http_get(orders.port(), "/v1/orders/987654").status, 404);
  EXPECT_EQ(http_get(orders.port(), "/v1/orders/abc").status, 400);

  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(
        http_post(orders.port(), "/v1/orders", {{"customer_id", 4}, {"amount_cents", i}}).status,
        201);
  auto page = http_get(orders.port(), "/v1/orders?customer_id=4&limit=2");
  ASSERT_EQ(page.status, 200) << page.text;
  ASSERT_EQ(page.body["items"].size(), 2u);
  auto rest = http_get(orders.port(), "/v1/orders?customer_id=4&limit=2&after=" +
                                          std::to_string(page.body["next_after"].get<int>()));
  ASSERT_EQ(rest.body["items"].size(), 1u) << rest.text;
  EXPECT_FALSE(rest.body.contains("next_after"));
  // Each created order has its outbox row, committed with it.
  EXPECT_EQ(count(orders_db_, "SELECT count(*) FROM outbox"),
            count(orders_db_, "SELECT count(*) FROM orders"));
}

TEST_F(OrdersApi, AmountModesNeedTheirColumnAndWriteWhatTheySay) {
  auto orders = start_orders("orders-a");
  EXPECT_FALSE(set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.amount",
                                     "dual-write", std::chrono::seconds(3)))
      << "dual-write acknowledged without the amount column";
  auto before = http_post(orders.port(), "/v1/orders", {{"customer_id", 1}, {"amount_cents", 300}});
  ASSERT_EQ(before.status, 201) << before.text;

  orders_db_.admin("ALTER TABLE orders ADD COLUMN amount numeric(12,2)");
  ASSERT_TRUE(
      set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.amount", "dual-write"))
      << orders.output();
  auto dual = http_post(orders.port(), "/v1/orders", {{"customer_id", 1}, {"amount_cents", 1999}});
  ASSERT_EQ(dual.status, 201);
  const auto dual_id = std::to_string(dual.body["id"].get<std::int64_t>());
  EXPECT_EQ(count(orders_db_, "SELECT count(*) FROM orders WHERE id = " + dual_id +
                                  " AND amount = 19.99 AND amount_cents = 1999"),
            1);

  // read-new reads amount: a row whose amount differs shows which column is read.
  orders_db_.admin("UPDATE orders SET amount = 20.00 WHERE id = " + dual_id);
  EXPECT_EQ(http_get(orders.port(), "/v1/orders/" + dual_id).body["amount_cents"], 1999);
  ASSERT_TRUE(
      set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.amount", "read-new"));
  EXPECT_EQ(http_get(orders.port(), "/v1/orders/" + dual_id).body["amount_cents"], 2000);

  // new writes amount, and keeps working once the contract step dropped amount_cents.
  ASSERT_TRUE(
      set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.amount", "new"));
  orders_db_.admin("ALTER TABLE orders DROP COLUMN amount_cents");
  auto after = http_post(orders.port(), "/v2/orders", {{"customer_id", 1}, {"total_cents", 4200}});
  ASSERT_EQ(after.status, 201) << after.text << orders.output();
  auto read = http_get(orders.port(), "/v2/orders/" + std::to_string(after.body["id"].get<int>()));
  EXPECT_EQ(read.body["amount"], "42.00") << read.text;
}

TEST_F(OrdersApi, MetadataIsWrittenInDualWriteAndReturnedFromReadNew) {
  auto orders = start_orders("orders-a");
  const json body = {{"customer_id", 1}, {"total_cents", 10}, {"metadata", {{"gift", true}}}};
  EXPECT_FALSE(set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.metadata",
                                     "dual-write", std::chrono::seconds(3)));
  orders_db_.admin("ALTER TABLE orders ADD COLUMN metadata jsonb");
  ASSERT_TRUE(set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.metadata",
                                    "dual-write"));
  auto dual = http_post(orders.port(), "/v2/orders", body);
  ASSERT_EQ(dual.status, 201) << dual.text;
  EXPECT_FALSE(dual.body.contains("metadata"));
  EXPECT_EQ(count(orders_db_, "SELECT count(*) FROM orders WHERE metadata = '{\"gift\": true}'"),
            1);
  ASSERT_TRUE(
      set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.metadata", "read-new"));
  auto read = http_get(orders.port(), "/v2/orders/" + std::to_string(dual.body["id"].get<int>()));
  EXPECT_EQ(read.body["metadata"], (json{{"gift", true}})) << read.text;
  EXPECT_FALSE(http_get(orders.port(), "/v1/orders/" + std::to_string(dual.body["id"].get<int>()))
                   .body.contains("metadata"));
}

}  // namespace
}  // namespace schemashift::testing

namespace schemashift::testing {
namespace {

TEST_F(OrdersApi, SigtermEndsBothServicesCleanlyWithinTheGracePeriod) {
  auto orders = start_orders("orders-a", {"--shutdown-grace-ms", "10000"});
  auto fulfillment = start_fulfillment("fulfillment-a", {"--shutdown-grace-ms", "10000"});
  auto created = http_post(orders.port(), "/v1/orders", {{"customer_id", 1}, {"amount_cents", 1}});
  ASSERT_EQ(created.status, 201);
  ASSERT_TRUE(wait_for_shipment(created.body["id"].get<std::int64_t>()));
  const auto start = std::chrono::steady_clock::now();
  orders.process().signal(SIGTERM);
  fulfillment.process().signal(SIGTERM);
  EXPECT_TRUE(
      eventually([&] { return !orders.process().running() && !fulfillment.process().running(); },
                 std::chrono::seconds(12)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(11));
  EXPECT_EQ(orders.process().wait(), 0) << orders.output();
  EXPECT_EQ(fulfillment.process().wait(), 0) << fulfillment.output();
}

}  // namespace
}  // namespace schemashift::testing
