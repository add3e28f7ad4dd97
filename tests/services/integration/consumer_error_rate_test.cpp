// Scenario 6's breach at the level of the processes: the real customers service with the
// test-only fault FAULT_V2_CUSTOMER_IDS, the real orders and fulfillment services through the
// real Kafka and registry. With fulfillment on /v2, an order for the faulty customer fails
// every lookup: fulfillment_customers_calls_total{api_version="v2",outcome="error"} grows and
// the operator's metrics gate provider reads an error ratio of 1 from fulfillment's page;
// back on /v1 (what a rollback does), the same order ships with the customer's address.
#include <gtest/gtest.h>

#include "gates/metrics_gate.h"
#include "services_fixture.h"
#include "support/helpers.h"

namespace schemashift::testing {
namespace {

using namespace std::chrono_literals;

class ConsumerErrorRate : public ServicesTest {};

double calls(const ServiceProcess& fulfillment, const std::string& version,
             const std::string& outcome) {
  return series_value(fulfillment.metrics_port(),
                      "fulfillment_customers_calls_total{api_version=\"" + version +
                          "\",outcome=\"" + outcome + "\"}");
}

TEST_F(ConsumerErrorRate, AFailingV2BreachesFulfillmentsErrorRateAndV1ShipsTheOrder) {
  ScratchDatabase customers_db("svc_customers");
  auto customers = start_service("customers-service", "customers-a", customers_db.dsn(),
                                 {"--fault-v2-customer-ids", "9001"});
  customers_db.admin(
      "INSERT INTO customers (id, first_name, last_name, email, street, city, postal_code, "
      "country) VALUES (9001, 'Katherine', 'Johnson', 'kj@example.org', '1 Langley Blvd', "
      "'Hampton', '23681', 'US'), (9002, 'Dorothy', 'Vaughan', 'dv@example.org', '2 Langley "
      "Blvd', 'Hampton', '23681', 'US')");
  // The fault is /v2 only, and only for its id.
  EXPECT_EQ(http_get(customers.port(), "/v2/customers/9001").status, 500);
  EXPECT_EQ(http_get(customers.port(), "/v1/customers/9001").status, 200);
  EXPECT_EQ(http_get(customers.port(), "/v2/customers/9002").status, 200);

  auto orders = start_orders("orders-a");
  auto fulfillment = start_fulfillment(
      "fulfillment-a", {"--customers-url", "http://127.0.0.1:" + std::to_string(customers.port())});
  ASSERT_TRUE(set_flag_acknowledged(fulfillment_db_.dsn(), "fulfillment", "fulfillment-a",
                                    "fulfillment.customers_api", "new"));
  for (const char* outcome : {"ok", "not_found", "error"}) {
    EXPECT_EQ(calls(fulfillment, "v1", outcome), 0) << outcome << ": every series is there at 0";
    EXPECT_EQ(calls(fulfillment, "v2", outcome), 0) << outcome;
  }

  // The gate's view: an error ratio over fulfillment's metrics page, as in scenario 6.
  gates::MetricsProvider gate;
  const nlohmann::json params = {
      {"url", "http://127.0.0.1:" + std::to_string(fulfillment.metrics_port()) + "/metrics"},
      {"errors", "fulfillment_customers_calls_total{outcome=\"error\"}"},
      {"total", "fulfillment_customers_calls_total"}};
  ASSERT_EQ(gate.measure("errors", params).kind, gates::MeasurementKind::kNoData);

  auto healthy =
      http_post(orders.port(), "/v1/orders", {{"customer_id", 9002}, {"amount_cents", 100}});
  ASSERT_EQ(healthy.status, 201) << healthy.text;
  ASSERT_TRUE(wait_for_shipment(healthy.body["id"].get<std::int64_t>())) << fulfillment.output();
  EXPECT_EQ(calls(fulfillment, "v2", "ok"), 1);
  auto clean = gate.measure("errors", params);
  ASSERT_EQ(clean.kind, gates::MeasurementKind::kValue) << clean.detail;
  EXPECT_EQ(clean.value, 0) << clean.detail;

  auto faulty =
      http_post(orders.port(), "/v1/orders", {{"customer_id", 9001}, {"amount_cents", 250}});
  ASSERT_EQ(faulty.status, 201) << faulty.text;
  const auto order = faulty.body["id"].get<std::int64_t>();
  ASSERT_TRUE(eventually([&] { return calls(fulfillment, "v2", "error") >= 4; }, 20s))
      << "one event's quick retries all fail\n"
      << fulfillment.output();
  EXPECT_FALSE(wait_for_shipment(order, 1s)) << "no shipment without an address";
  auto breach = gate.measure("errors", params);
  ASSERT_EQ(breach.kind, gates::MeasurementKind::kValue) << breach.detail;
  EXPECT_EQ(breach.value, 1) << breach.detail;
  EXPECT_EQ(calls(fulfillment, "v1", "ok"), 0);

  // What the rollback does: the flag back to old. The retried event now reads /v1 and ships.
  ASSERT_TRUE(set_flag_acknowledged(fulfillment_db_.dsn(), "fulfillment", "fulfillment-a",
                                    "fulfillment.customers_api", "old"));
  auto shipment = wait_for_shipment(order, 60s);
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(shipment->status, "pending") << shipment->ship_to;
  EXPECT_NE(shipment->ship_to.find("Katherine Johnson"), std::string::npos) << shipment->ship_to;
  EXPECT_GE(calls(fulfillment, "v1", "ok"), 1);
  EXPECT_GE(series_value(customers.metrics_port(),
                         "http_requests_total{api_version=\"v1\",client=\"fulfillment\","
                         "method=\"GET\",route=\"/v1/customers/:id\",status=\"200\"}"),
            1);
}

}  // namespace
}  // namespace schemashift::testing
