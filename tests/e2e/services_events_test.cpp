// Events between the real pods: an order created through the orders Service becomes a
// shipment in fulfillment through Kafka and the schema registry, as OrderCreated v1 and, once
// the orders.event_version flag says dual-write, as v2 — each framed with the id of a schema
// the registry holds under "<topic>-value", the ship-to address read from customers. A poison
// message goes to the dead-letter topic with its reason and origin, and the consumer goes on.
#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>

#include "e2e/services_shop.h"
#include "flags/flag_store.h"
#include "support/helpers.h"
#include "support/stack_env.h"
#include "wire_format.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using schemashift::testing::eventually;
using schemashift::testing::HttpReply;
using schemashift::testing::read_topic;
using schemashift::testing::Shop;
using schemashift::testing::stack_var;

const json kCustomer = {{"first_name", "Ada"},
                        {"last_name", "Lovelace"},
                        {"email", "ada@example.org"},
                        {"street", "12 St James's Square"},
                        {"city", "London"},
                        {"postal_code", "SW1Y 4JH"},
                        {"country", "GB"}};

std::int64_t create_customer(Shop& shop) {
  auto r = shop.post("customers", "/v1/customers", kCustomer);
  if (r.status != 201) throw std::runtime_error("POST /v1/customers: " + r.text);
  return r.body["id"].get<std::int64_t>();
}

// The shipment for `order_id`, through the fulfillment Service, once there is one.
HttpReply wait_for_shipment(Shop& shop, std::int64_t order_id) {
  HttpReply r;
  eventually(
      [&] {
        r = shop.get("fulfillment", "/v1/shipments/" + std::to_string(order_id));
        return r.status == 200;
      },
      60s);
  return r;
}

// Sets a flag in the service's database as the operator does and waits until every Ready pod
// of the Deployment acknowledged it.
bool flag_acknowledged_by_every_pod(Shop& shop, const std::string& service, const std::string& key,
                                    const std::string& value) {
  pqxx::connection c(shop.db(service).dsn());
  const auto gen = schemashift::flags::set_flag(c, key, value);
  const int pods = static_cast<int>(shop.ready_pods(service).size());
  return eventually(
      [&] { return schemashift::flags::barrier(c, key, gen, value, {service}, pods).held; }, 20s);
}

TEST(ServicesOnTheNode, OrdersBecomeShipmentsThroughKafkaAndTheRegistryAsV1AndV2) {
  Shop shop;
  shop.install_all();
  const auto customer = create_customer(shop);

  auto v1 = shop.post("orders", "/v1/orders", {{"customer_id", customer}, {"amount_cents", 1234}});
  ASSERT_EQ(v1.status, 201) << v1.text << shop.describe("orders");
  const auto first = v1.body["id"].get<std::int64_t>();
  auto shipped = wait_for_shipment(shop, first);
  ASSERT_EQ(shipped.status, 200) << shipped.text << shop.describe("fulfillment");
  EXPECT_EQ(shipped.body["total_cents"], 1234);
  EXPECT_EQ(shipped.body["customer_id"], customer);
  EXPECT_EQ(shipped.body["status"], "pending");
  EXPECT_EQ(shipped.body["ship_to"].dump().find("London") != std::string::npos, true)
      << shipped.text;

  // v2 events from here on.
  ASSERT_TRUE(flag_acknowledged_by_every_pod(shop, "orders", "orders.event_version", "dual-write"))
      << shop.describe("orders");
  auto v2 = shop.post("orders", "/v2/orders",
                      {{"customer_id", customer}, {"total_cents", 4321}, {"currency", "EUR"}});
  ASSERT_EQ(v2.status, 201) << v2.text;
  const auto second = v2.body["id"].get<std::int64_t>();
  shipped = wait_for_shipment(shop, second);
  ASSERT_EQ(shipped.status, 200) << shipped.text << shop.describe("fulfillment");
  EXPECT_EQ(shipped.body["total_cents"], 4321);

  // On the topic: both events in the Confluent framing, with two different schema ids the
  // registry serves, and the second one carries total_cents.
  auto records = read_topic(shop.topic(), 2);
  ASSERT_EQ(records.size(), 2u);
  std::map<std::string, std::int32_t> id_of_order;
  for (const auto& r : records) {
    auto framed = schemashift::svc::unframe(r.value);
    ASSERT_TRUE(framed) << "not Confluent-framed: " << r.value;
    const auto payload = json::parse(framed->payload);
    id_of_order[std::to_string(payload["order_id"].get<std::int64_t>())] = framed->schema_id;
    if (payload["order_id"] == second) {
      EXPECT_EQ(payload["total_cents"], 4321) << payload;
    }
    httplib::Client registry(
        stack_var("SCHEMA_REGISTRY_URL").substr(0, stack_var("SCHEMA_REGISTRY_URL").find("/apis")));
    auto schema =
        registry.Get(("/apis/ccompat/v7/schemas/ids/" + std::to_string(framed->schema_id)).c_str());
    ASSERT_TRUE(schema);
    EXPECT_EQ(schema->status, 200) << schema->body;
  }
  EXPECT_NE(id_of_order[std::to_string(first)], id_of_order[std::to_string(second)]);
  httplib::Client registry(
      stack_var("SCHEMA_REGISTRY_URL").substr(0, stack_var("SCHEMA_REGISTRY_URL").find("/apis")));
  auto versions =
      registry.Get(("/apis/ccompat/v7/subjects/" + shop.topic() + "-value/versions").c_str());
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->status, 200) << versions->body;
  EXPECT_GE(json::parse(versions->body).size(), 2u) << versions->body;
}

TEST(ServicesOnTheNode, APoisonMessageIsDeadLetteredAndTheConsumerMovesOn) {
  Shop shop;
  shop.install_all();
  const auto customer = create_customer(shop);
  // JSON without the framing: magic byte '{' instead of 0.
  schemashift::testing::produce_raw(shop.topic(), "poison", R"({"order_id": 1})");
  auto order =
      shop.post("orders", "/v1/orders", {{"customer_id", customer}, {"amount_cents", 777}});
  ASSERT_EQ(order.status, 201) << order.text;
  auto shipped = wait_for_shipment(shop, order.body["id"].get<std::int64_t>());
  EXPECT_EQ(shipped.status, 200) << shipped.text << shop.describe("fulfillment");

  auto dead = read_topic(shop.dead_letter_topic(), 1);
  ASSERT_EQ(dead.size(), 1u) << shop.describe("fulfillment");
  EXPECT_EQ(dead[0].value, R"({"order_id": 1})");
  EXPECT_EQ(dead[0].header("dlq.reason"), "bad magic byte 0x7b");
  EXPECT_EQ(dead[0].header("dlq.origin.topic"), shop.topic());
  EXPECT_EQ(dead[0].header("dlq.service"), "fulfillment");
  EXPECT_FALSE(dead[0].header("dlq.origin.offset").empty());
  // The pod carried on: no restart.
  for (const auto& pod : shop.pods("fulfillment")) {
    EXPECT_EQ(pod["status"]["containerStatuses"][0].value("restartCount", -1), 0)
        << shop.describe("fulfillment");
  }
}

}  // namespace
