// orders-service SIGKILLed while a client creates orders at a fixed rate, then started
// again: every order the client saw acknowledged (its own ledger) has exactly one shipment,
// made by that order's one event (the outbox row's id), recorded once in processed_events,
// however many times the event was published.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "services_fixture.h"
#include "support/helpers.h"

namespace schemashift::testing {
namespace {

class Crash : public ServicesTest {};

TEST_F(Crash, SigkilledOrdersLosesNoAcknowledgedOrderAndEachEventTakesEffectOnce) {
  auto fulfillment = start_fulfillment("fulfillment-a");
  auto orders = std::make_unique<ServiceProcess>(start_orders("orders-a"));
  std::atomic<int> port{orders->port};
  std::mutex mu;
  std::vector<std::int64_t> ledger;
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::thread client([&] {
    auto next = std::chrono::steady_clock::now();
    int i = 0;
    while (!stop) {
      next += std::chrono::milliseconds(25);  // 40 orders a second
      auto r = http_post(port, "/v1/orders", {{"customer_id", 1 + i % 50}, {"amount_cents", i}});
      ++i;
      if (r.status == 201) {
        std::lock_guard lock(mu);
        ledger.push_back(r.body["id"].get<std::int64_t>());
      } else {
        ++refused;
      }
      std::this_thread::sleep_until(next);
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  orders->process->signal(SIGKILL);
  orders->process->wait();
  orders = std::make_unique<ServiceProcess>(start_orders("orders-b"));
  port = orders->port;
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  client.join();

  ASSERT_GT(ledger.size(), 100u);
  EXPECT_GT(refused.load(), 0) << "the kill did not interrupt the client";
  ASSERT_TRUE(eventually(
      [&] {
        return count(fulfillment_db_, "SELECT count(*) FROM shipments") >=
               static_cast<std::int64_t>(ledger.size());
      },
      std::chrono::seconds(90)))
      << fulfillment.process->output();

  pqxx::connection odb(orders_db_.admin_dsn()), fdb(fulfillment_db_.admin_dsn());
  std::map<std::string, std::string> event_of_order;  // the outbox's one event per order
  {
    pqxx::nontransaction nt(odb);
    for (const auto& row : nt.exec("SELECT event_key, id::text FROM outbox")) {
      ASSERT_TRUE(event_of_order.emplace(row[0].as<std::string>(), row[1].as<std::string>()).second)
          << "two outbox rows for order " << row[0].as<std::string>();
    }
  }
  pqxx::nontransaction nt(fdb);
  for (const auto id : ledger) {
    auto r = nt.exec_params("SELECT event_id FROM shipments WHERE order_id = $1", id);
    ASSERT_EQ(r.size(), 1u) << "order " << id;
    EXPECT_EQ(r[0][0].as<std::string>(), event_of_order[std::to_string(id)]) << "order " << id;
    EXPECT_EQ(nt.exec_params("SELECT count(*) FROM processed_events WHERE event_id = $1",
                             r[0][0].as<std::string>())[0][0]
                  .as<int>(),
              1);
  }
  // Nothing beyond what orders committed: each shipment's event is in the outbox.
  EXPECT_EQ(nt.exec("SELECT count(*) FROM shipments")[0][0].as<std::size_t>(),
            nt.exec("SELECT count(DISTINCT event_id) FROM shipments")[0][0].as<std::size_t>());
  const auto published = read_topic(topic_, event_of_order.size());
  std::cout << "ledger " << ledger.size() << " orders, " << refused << " refused, "
            << event_of_order.size() << " committed, " << published.size()
            << " messages published (duplicates are de-duplicated by event id)\n";
  EXPECT_GE(published.size(), ledger.size());
}

}  // namespace
}  // namespace schemashift::testing
