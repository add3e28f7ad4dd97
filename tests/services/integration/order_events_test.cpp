// OrderCreated between the real orders and fulfillment services, through the real Kafka and
// schema registry: v1 by default, v2 and v3 once orders.event_version says so (acknowledged
// through the flag protocol), each event framed with its version's registry id and each
// becoming one shipment with the right amount and address.
#include <gtest/gtest.h>

#include "dead_letter.h"
#include "event_schemas.h"
#include "events/schema_registry.h"
#include "services_fixture.h"
#include "support/helpers.h"
#include "wire_format.h"

namespace schemashift::testing {
namespace {

using nlohmann::json;

class OrderEvents : public ServicesTest {};

TEST_F(OrderEvents, V1V2AndV3EventsBecomeShipmentsThroughTheRegistry) {
  auto orders = start_orders("orders-a");
  auto fulfillment = start_fulfillment("fulfillment-a");

  auto v1 = http_post(orders.port(), "/v1/orders", {{"customer_id", 7}, {"amount_cents", 1999}});
  ASSERT_EQ(v1.status, 201) << v1.text;
  const auto first = v1.body["id"].get<std::int64_t>();
  auto shipment = wait_for_shipment(first);
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(shipment->customer_id, 7);
  EXPECT_EQ(shipment->total_cents, 1999);
  EXPECT_EQ(shipment->status, "pending");
  EXPECT_NE(shipment->ship_to.find("Berlin"), std::string::npos) << shipment->ship_to;

  // Consumers move first (scenario 8), then the producer.
  ASSERT_TRUE(set_flag_acknowledged(fulfillment_db_.dsn(), "fulfillment", "fulfillment-a",
                                    "fulfillment.order_events", "dual-write"));
  ASSERT_TRUE(set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.event_version",
                                    "dual-write"))
      << orders.output();
  auto v2 = http_post(orders.port(), "/v2/orders", {{"customer_id", 8}, {"total_cents", 4250}});
  ASSERT_EQ(v2.status, 201) << v2.text;
  const auto second = v2.body["id"].get<std::int64_t>();
  shipment = wait_for_shipment(second);
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(shipment->total_cents, 4250);

  ASSERT_TRUE(set_flag_acknowledged(fulfillment_db_.dsn(), "fulfillment", "fulfillment-a",
                                    "fulfillment.order_events", "new"));
  ASSERT_TRUE(
      set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.event_version", "new"))
      << orders.output();
  auto v3 = http_post(orders.port(), "/v1/orders", {{"customer_id", 9}, {"amount_cents", 5}});
  ASSERT_EQ(v3.status, 201) << v3.text;
  const auto third = v3.body["id"].get<std::int64_t>();
  shipment = wait_for_shipment(third);
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(shipment->total_cents, 5);

  // On the topic: three events, each framed with its version's id in the registry.
  auto records = read_topic(topic_, 3);
  ASSERT_EQ(records.size(), 3u);
  events::SchemaRegistry registry(stack_var("SCHEMA_REGISTRY_URL"));
  std::map<std::int64_t, int> version_of_order;
  for (const auto& r : records) {
    auto framed = svc::unframe(r.value);
    ASSERT_TRUE(framed.ok()) << framed.error().reason;
    auto schema = registry.schema_by_id(framed->schema_id);
    ASSERT_TRUE(schema.ok()) << schema.error().message;
    const auto version = svc::order_created_version(*schema);
    ASSERT_TRUE(version.has_value()) << schema->dump();
    const json payload = json::parse(framed->payload);
    version_of_order[payload["order_id"].get<std::int64_t>()] = *version;
    EXPECT_EQ(r.header("event_id"), payload["event_id"]);
    if (*version == 1) {
      EXPECT_FALSE(payload.contains("total_cents")) << payload;
    }
    if (*version == 2) {
      EXPECT_EQ(payload["total"], 42.5) << payload;
    }
    if (*version >= 2) {
      EXPECT_EQ(payload["currency"], "EUR") << payload;
    }
    if (*version == 3) {
      EXPECT_FALSE(payload.contains("total")) << payload;
    }
  }
  EXPECT_EQ(version_of_order, (std::map<std::int64_t, int>{{first, 1}, {second, 2}, {third, 3}}));

  // The shipment is served by fulfillment's API too.
  auto served = http_get(fulfillment.port(), "/v1/shipments/" + std::to_string(second));
  ASSERT_EQ(served.status, 200) << served.text;
  EXPECT_EQ(served.body["total_cents"], 4250);
  EXPECT_EQ(http_get(fulfillment.port(), "/v1/shipments/999999").status, 404);
}

TEST_F(OrderEvents, FulfillmentReadsTheCustomersVersionItsFlagNamesAndRetriesWhileItIsDown) {
  auto orders = start_orders("orders-a");
  auto fulfillment = start_fulfillment("fulfillment-a");

  ASSERT_TRUE(set_flag_acknowledged(fulfillment_db_.dsn(), "fulfillment", "fulfillment-a",
                                    "fulfillment.customers_api", "read-new"));
  const int v1_before = customers_.v1_calls;
  customers_.fail_next = 6;  // more than one event's quick retries: the consumer backs off
  auto created =
      http_post(orders.port(), "/v1/orders", {{"customer_id", 3}, {"amount_cents", 100}});
  ASSERT_EQ(created.status, 201) << created.text;
  auto shipment = wait_for_shipment(created.body["id"].get<std::int64_t>());
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(customers_.fail_next.load(), 0);
  EXPECT_NE(shipment->ship_to.find("Hamburg"), std::string::npos) << shipment->ship_to;
  EXPECT_NE(shipment->ship_to.find("Ada Lovelace"), std::string::npos) << shipment->ship_to;
  EXPECT_EQ(customers_.v1_calls.load(), v1_before);

  // A customer that does not exist: the shipment is made, on hold, without an address.
  auto unknown =
      http_post(orders.port(), "/v1/orders", {{"customer_id", 404}, {"amount_cents", 100}});
  ASSERT_EQ(unknown.status, 201);
  shipment = wait_for_shipment(unknown.body["id"].get<std::int64_t>());
  ASSERT_TRUE(shipment);
  EXPECT_EQ(shipment->status, "on_hold");
}

TEST_F(OrderEvents, AnOldConsumerDeadLettersV3AndANewOneReadsIt) {
  // Scenario 8's failure mode: a producer on v3 while the consumer still reads `total`.
  auto orders = start_orders("orders-a");
  auto fulfillment = start_fulfillment("fulfillment-a");
  ASSERT_TRUE(
      set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.event_version", "new"));
  auto early = http_post(orders.port(), "/v1/orders", {{"customer_id", 1}, {"amount_cents", 700}});
  ASSERT_EQ(early.status, 201);
  auto dead = read_topic(svc::dead_letter_topic(topic_), 1);
  ASSERT_EQ(dead.size(), 1u) << fulfillment.output();
  EXPECT_NE(dead[0].header("dlq.reason").find("total"), std::string::npos)
      << dead[0].header("dlq.reason");

  ASSERT_TRUE(set_flag_acknowledged(fulfillment_db_.dsn(), "fulfillment", "fulfillment-a",
                                    "fulfillment.order_events", "new"));
  auto later = http_post(orders.port(), "/v1/orders", {{"customer_id", 1}, {"amount_cents", 800}});
  ASSERT_EQ(later.status, 201);
  auto shipment = wait_for_shipment(later.body["id"].get<std::int64_t>());
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(shipment->total_cents, 800);
}

}  // namespace
}  // namespace schemashift::testing

namespace schemashift::testing {
namespace {

TEST_F(OrderEvents, ShipsToTheAddressTheRealCustomersServiceHasInEitherVersion) {
  ScratchDatabase customers_db("svc_customers");
  auto customers = start_service("customers-service", "customers-a", customers_db.dsn(), {});
  auto created = http_post(customers.port(), "/v1/customers",
                           {{"first_name", "Grace"},
                            {"last_name", "Hopper"},
                            {"email", "grace@example.org"},
                            {"street", "3 Harbour Rd"},
                            {"city", "Arlington"},
                            {"postal_code", "22201"},
                            {"country", "US"}});
  ASSERT_EQ(created.status, 201) << created.text;
  const auto customer_id = created.body["id"].get<std::int64_t>();

  auto orders = start_orders("orders-a");
  auto fulfillment = start_fulfillment(
      "fulfillment-a", {"--customers-url", "http://127.0.0.1:" + std::to_string(customers.port())});
  auto first =
      http_post(orders.port(), "/v1/orders", {{"customer_id", customer_id}, {"amount_cents", 10}});
  ASSERT_EQ(first.status, 201);
  auto shipment = wait_for_shipment(first.body["id"].get<std::int64_t>());
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(nlohmann::json::parse(shipment->ship_to), (nlohmann::json{{"name", "Grace Hopper"},
                                                                      {"street", "3 Harbour Rd"},
                                                                      {"city", "Arlington"},
                                                                      {"postal_code", "22201"},
                                                                      {"country", "US"}}));

  ASSERT_TRUE(set_flag_acknowledged(fulfillment_db_.dsn(), "fulfillment", "fulfillment-a",
                                    "fulfillment.customers_api", "new"));
  auto second =
      http_post(orders.port(), "/v1/orders", {{"customer_id", customer_id}, {"amount_cents", 20}});
  ASSERT_EQ(second.status, 201);
  auto again = wait_for_shipment(second.body["id"].get<std::int64_t>());
  ASSERT_TRUE(again) << fulfillment.output();
  EXPECT_EQ(again->ship_to, shipment->ship_to);
  // The second lookup went to /v2: the customers service counted it under its route.
  EXPECT_GE(series_value(customers.metrics_port(),
                         "http_requests_total{api_version=\"v2\",client=\"fulfillment\","
                         "method=\"GET\",route=\"/v2/customers/:id\",status=\"200\"}"),
            1)
      << http_get(customers.metrics_port(), "/metrics").text;
}

}  // namespace
}  // namespace schemashift::testing

namespace schemashift::testing {
namespace {

TEST_F(OrderEvents, TheSubjectsCompatibilityModeDecidesWhichVersionOrdersMayPublish) {
  events::SchemaRegistry registry(stack_var("SCHEMA_REGISTRY_URL"));
  const std::string subject = svc::value_subject(topic_);
  ASSERT_TRUE(registry.set_compatibility(subject, "BACKWARD").ok());
  auto orders = start_orders("orders-a");

  // v2 adds optional fields to a closed object: compatible, so the mode is taken.
  ASSERT_TRUE(set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.event_version",
                                    "dual-write"))
      << orders.output();
  auto check = registry.check_compatibility(subject, svc::order_created_schema(3));
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_FALSE(check->compatible);
  // v3 drops `total`: BACKWARD refuses it, and so does orders (not acknowledged).
  EXPECT_FALSE(set_flag_acknowledged(orders_db_.dsn(), "orders", "orders-a", "orders.event_version",
                                     "new", std::chrono::seconds(3)));
  auto still_v2 = http_post(orders.port(), "/v1/orders", {{"customer_id", 1}, {"amount_cents", 1}});
  ASSERT_EQ(still_v2.status, 201);

  // Once the subject allows the breaking change, the same flag value is acknowledged.
  ASSERT_TRUE(registry.set_compatibility(subject, "NONE").ok());
  pqxx::connection conn(orders_db_.dsn());
  EXPECT_TRUE(eventually(
      [&] {
        pqxx::nontransaction nt(conn);
        return !nt.exec(
                      "SELECT 1 FROM schemashift.flag_acks WHERE key = 'orders.event_version' "
                      "AND value = 'new'")
                    .empty();
      },
      std::chrono::seconds(10)));
  auto v3 = http_post(orders.port(), "/v1/orders", {{"customer_id", 1}, {"amount_cents", 2}});
  ASSERT_EQ(v3.status, 201);
  auto records = read_topic(topic_, 2);
  ASSERT_EQ(records.size(), 2u);
  std::map<std::string, std::string> version_of_key;
  for (const auto& r : records) version_of_key[r.key] = r.header("event_version");
  EXPECT_EQ(version_of_key[std::to_string(still_v2.body["id"].get<std::int64_t>())], "2");
  EXPECT_EQ(version_of_key[std::to_string(v3.body["id"].get<std::int64_t>())], "3");
}

}  // namespace
}  // namespace schemashift::testing
