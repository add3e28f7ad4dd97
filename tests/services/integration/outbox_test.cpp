// The outbox: while Kafka cannot be reached the orders API keeps answering, the outbox holds
// every event (and the gauge says how many wait), and it drains when the broker is back; two
// replicas relaying the same outbox publish each event once.
#include <set>

#include <gtest/gtest.h>

#include "services_fixture.h"
#include "support/helpers.h"
#include "support/tcp_proxy.h"
#include "wire_format.h"

namespace schemashift::testing {
namespace {

using nlohmann::json;

class Outbox : public ServicesTest {};

TEST_F(Outbox, HoldsWhileKafkaIsUnreachableAndDrainsWhenItReturns) {
  const std::string bootstrap = stack_var("KAFKA_BOOTSTRAP");
  TcpProxy kafka(std::stoi(bootstrap.substr(bootstrap.find(':') + 1)));
  kafka.cut();  // from the start, so the client never learns the broker's own address
  auto orders =
      start_orders("orders-a", {"--kafka-bootstrap", "127.0.0.1:" + std::to_string(kafka.port())});

  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = http_post(orders.port, "/v1/orders", {{"customer_id", 1}, {"amount_cents", 100 + i}});
    ASSERT_EQ(r.status, 201) << r.text;
    ids.insert(std::to_string(r.body["id"].get<std::int64_t>()));
  }
  EXPECT_TRUE(
      eventually([&] { return metric_value(orders.metrics_port, "orders_outbox_pending") == 5; },
                 std::chrono::seconds(10)))
      << metric_value(orders.metrics_port, "orders_outbox_pending");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(count(orders_db_, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 5);
  EXPECT_TRUE(read_topic(topic_, 0, std::chrono::seconds(3)).empty());

  kafka.restore();
  EXPECT_TRUE(eventually(
      [&] { return count(orders_db_, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0; },
      std::chrono::seconds(60)))
      << orders.process->output();
  EXPECT_TRUE(
      eventually([&] { return metric_value(orders.metrics_port, "orders_outbox_pending") == 0; },
                 std::chrono::seconds(10)));
  auto records = read_topic(topic_, 5);
  std::set<std::string> published;
  for (const auto& r : records) published.insert(r.key);
  EXPECT_EQ(published, ids);
}

TEST_F(Outbox, TwoReplicasPublishEachEventOnce) {
  auto a = start_orders("orders-a");
  auto b = start_orders("orders-b");
  constexpr int kOrders = 120;
  for (int i = 0; i < kOrders; ++i) {
    auto& to = i % 2 ? a : b;
    auto r = http_post(to.port, i % 3 ? "/v1/orders" : "/v2/orders",
                       i % 3 ? json{{"customer_id", 2}, {"amount_cents", i}}
                             : json{{"customer_id", 2}, {"total_cents", i}});
    ASSERT_EQ(r.status, 201) << r.text;
  }
  ASSERT_TRUE(eventually(
      [&] { return count(orders_db_, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0; },
      std::chrono::seconds(60)));
  auto records = read_topic(topic_, kOrders);
  std::multiset<std::string> event_ids;
  for (const auto& r : records) event_ids.insert(r.header("event_id"));
  std::set<std::string> unique(event_ids.begin(), event_ids.end());
  EXPECT_EQ(records.size(), static_cast<std::size_t>(kOrders));
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kOrders));
  // Both replicas did relay (the rows were shared out, not all taken by one).
  EXPECT_GT(metric_value(a.metrics_port, "orders_outbox_relayed_total{result=\"sent\"}") +
                metric_value(b.metrics_port, "orders_outbox_relayed_total{result=\"sent\"}"),
            kOrders - 1);
}

}  // namespace
}  // namespace schemashift::testing
