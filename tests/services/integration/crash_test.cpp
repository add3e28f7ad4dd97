// Faults while a client creates orders at a fixed rate: orders-service SIGKILLed and started
// again, and the Kafka broker stopped and restarted. Every order the client saw acknowledged
// (its own ledger) has exactly one shipment, made by that order's one event (the outbox row's
// id) and recorded once in processed_events, however many times the event was published.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "services_fixture.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/tcp_proxy.h"

namespace schemashift::testing {
namespace {

using std::chrono::seconds;

struct Ledger {
  std::vector<std::int64_t> acknowledged;
  int refused = 0;
};

class Faults : public ServicesTest {
 protected:
  // Posts 40 orders a second to `port` (which `fault` may change) for `before` + `after`,
  // running `fault` in between.
  Ledger post_at_fixed_rate(std::atomic<int>& port, seconds before, seconds after,
                            const std::function<void()>& fault) {
    Ledger ledger;
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::thread client([&] {
      auto next = std::chrono::steady_clock::now();
      for (int i = 0; !stop; ++i) {
        next += std::chrono::milliseconds(25);
        auto r = http_post(port, "/v1/orders", {{"customer_id", 1 + i % 50}, {"amount_cents", i}});
        std::lock_guard lock(mu);
        if (r.status == 201) {
          ledger.acknowledged.push_back(r.body["id"].get<std::int64_t>());
        } else {
          ++ledger.refused;
        }
        std::this_thread::sleep_until(next);
      }
    });
    std::this_thread::sleep_for(before);
    fault();
    std::this_thread::sleep_for(after);
    stop = true;
    client.join();
    return ledger;
  }

  void expect_each_acknowledged_order_shipped_once(const Ledger& ledger,
                                                   const ServiceProcess& fulfillment) {
    ASSERT_GT(ledger.acknowledged.size(), 100u);
    ASSERT_TRUE(eventually(
        [&] {
          return count(fulfillment_db_, "SELECT count(*) FROM shipments") >=
                 static_cast<std::int64_t>(ledger.acknowledged.size());
        },
        seconds(120)))
        << fulfillment.process->output();

    pqxx::connection odb(orders_db_.admin_dsn()), fdb(fulfillment_db_.admin_dsn());
    std::map<std::string, std::string> event_of_order;  // the outbox's one event per order
    {
      pqxx::nontransaction nt(odb);
      for (const auto& row : nt.exec("SELECT event_key, id::text FROM outbox")) {
        ASSERT_TRUE(
            event_of_order.emplace(row[0].as<std::string>(), row[1].as<std::string>()).second)
            << "two outbox rows for order " << row[0].as<std::string>();
      }
    }
    pqxx::nontransaction nt(fdb);
    for (const auto id : ledger.acknowledged) {
      auto r = nt.exec_params("SELECT event_id FROM shipments WHERE order_id = $1", id);
      ASSERT_EQ(r.size(), 1u) << "order " << id;
      EXPECT_EQ(r[0][0].as<std::string>(), event_of_order[std::to_string(id)]) << "order " << id;
      EXPECT_EQ(nt.exec_params("SELECT count(*) FROM processed_events WHERE event_id = $1",
                               r[0][0].as<std::string>())[0][0]
                    .as<int>(),
                1);
    }
    // Nothing beyond what orders committed, nothing twice.
    EXPECT_EQ(count(fulfillment_db_, "SELECT count(*) FROM shipments"),
              static_cast<std::int64_t>(event_of_order.size()));
    const auto published = read_topic(topic_, event_of_order.size());
    std::cout << "ledger " << ledger.acknowledged.size() << " acknowledged, " << ledger.refused
              << " refused; " << event_of_order.size() << " committed; " << published.size()
              << " messages published (a duplicate is de-duplicated by its event id)\n";
    EXPECT_GE(published.size(), ledger.acknowledged.size());
  }
};

TEST_F(Faults, SigkilledOrdersLosesNoAcknowledgedOrderAndEachEventTakesEffectOnce) {
  auto fulfillment = start_fulfillment("fulfillment-a");
  auto orders = std::make_unique<ServiceProcess>(start_orders("orders-a"));
  std::atomic<int> port{orders->port};
  const Ledger ledger = post_at_fixed_rate(port, seconds(3), seconds(3), [&] {
    orders->process->signal(SIGKILL);
    orders->process->wait();
    orders = std::make_unique<ServiceProcess>(start_orders("orders-b"));
    port = orders->port;
  });
  EXPECT_GT(ledger.refused, 0) << "the kill did not interrupt the client";
  expect_each_acknowledged_order_shipped_once(ledger, fulfillment);
}

TEST_F(Faults, SigkilledOrdersWithUnpublishedOutboxRowsPublishesThemAfterRestart) {
  // The crash between commit and publish: rows committed, the broker unreachable, the process
  // killed; the next instance publishes them.
  const std::string bootstrap = stack_var("KAFKA_BOOTSTRAP");
  TcpProxy kafka(std::stoi(bootstrap.substr(bootstrap.find(':') + 1)));
  kafka.cut();
  auto orders =
      start_orders("orders-a", {"--kafka-bootstrap", "127.0.0.1:" + std::to_string(kafka.port())});
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = http_post(orders.port, "/v1/orders", {{"customer_id", 1}, {"amount_cents", i}});
    ASSERT_EQ(r.status, 201);
    ids.push_back(r.body["id"].get<std::int64_t>());
  }
  orders.process->signal(SIGKILL);
  orders.process->wait();
  EXPECT_EQ(count(orders_db_, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 5);

  auto fulfillment = start_fulfillment("fulfillment-a");
  auto restarted = start_orders("orders-b");
  for (const auto id : ids) EXPECT_TRUE(wait_for_shipment(id)) << "order " << id;
}

TEST_F(Faults, KafkaBrokerRestartedMidStreamLosesNoAcknowledgedOrder) {
  auto fulfillment = start_fulfillment("fulfillment-a");
  auto orders = start_orders("orders-a");
  std::atomic<int> port{orders.port};
  const std::string env = std::getenv("SCHEMASHIFT_STACK_ENV");
  const std::string stack_dir = env.substr(0, env.rfind('/'));
  const Ledger ledger = post_at_fixed_rate(port, seconds(3), seconds(5), [&] {
    // The port check is for a stack's first start: the broker's port is this stack's own.
    auto r = run_command(
        "SCHEMASHIFT_SKIP_PORT_CHECK=1 SCHEMASHIFT_STACK_DIR=" + shell_quote(stack_dir) + " bash " +
        shell_quote(std::string(SCHEMASHIFT_SOURCE_DIR) + "/hack/stack.sh") + " restart kafka");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  });
  // The API never needed the broker.
  EXPECT_EQ(ledger.refused, 0);
  expect_each_acknowledged_order_shipped_once(ledger, fulfillment);
}

}  // namespace
}  // namespace schemashift::testing
