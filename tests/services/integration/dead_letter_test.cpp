// Messages fulfillment can never read, produced straight to the topic: each kind lands in
// "<topic>.dlq" with its reason and origin in headers, and a good message after them still
// becomes a shipment. A registry that cannot be reached is not such a message: the consumer
// waits for it and dead-letters nothing.
#include <gtest/gtest.h>

#include "dead_letter.h"
#include "event_schemas.h"
#include "events/schema_registry.h"
#include "services_fixture.h"
#include "support/helpers.h"
#include "support/tcp_proxy.h"
#include "wire_format.h"

namespace schemashift::testing {
namespace {

using nlohmann::json;

class DeadLetters : public ServicesTest {
 protected:
  std::int32_t registered(int version) {
    events::SchemaRegistry registry(stack_var("SCHEMA_REGISTRY_URL"));
    auto id =
        registry.register_schema(svc::value_subject(topic_), svc::order_created_schema(version));
    if (!id) throw std::runtime_error(id.error().message);
    return *id;
  }
  static std::string event(std::int64_t order_id, int version) {
    svc::OrderCreated e;
    e.event_id = "test-" + unique_suffix();
    e.order_id = order_id;
    e.customer_id = 5;
    e.total_cents = 1500;
    return svc::order_created_payload(e, version).dump();
  }
};

TEST_F(DeadLetters, EachKindOfPoisonLandsInTheDlqWithHeadersAndTheConsumerCarriesOn) {
  const auto v1 = registered(1);
  const auto v2 = registered(2);
  auto fulfillment = start_fulfillment("fulfillment-a");

  json missing = json::parse(event(2, 2));
  missing.erase("order_id");
  const std::vector<std::pair<std::string, std::string>> poison = {
      {event(1, 1), "bad magic byte 0x7b"},
      {svc::frame(2147480000, event(1, 1)), "unknown schema id 2147480000"},
      {svc::frame(v1, "{\"order_id\": 1,"), "invalid JSON payload"},
      {svc::frame(v2, missing.dump()), "missing required field \"order_id\""},
  };
  for (const auto& [bytes, reason] : poison) produce_raw(topic_, "poison", bytes);
  produce_raw(topic_, "42", svc::frame(v2, event(42, 2)));

  auto shipment = wait_for_shipment(42);
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(shipment->total_cents, 1500);

  auto dead = read_topic(svc::dead_letter_topic(topic_), poison.size());
  ASSERT_EQ(dead.size(), poison.size()) << fulfillment.output();
  std::map<std::string, std::string> reason_of_bytes;
  for (const auto& r : dead) {
    reason_of_bytes[r.value] = r.header("dlq.reason");
    EXPECT_EQ(r.header("dlq.origin.topic"), topic_);
    EXPECT_EQ(r.header("dlq.service"), "fulfillment");
    EXPECT_FALSE(r.header("dlq.origin.partition").empty());
    EXPECT_FALSE(r.header("dlq.origin.offset").empty());
    EXPECT_EQ(r.key, "poison");
  }
  for (const auto& [bytes, reason] : poison) EXPECT_EQ(reason_of_bytes[bytes], reason);

  // The origin headers point at the original message.
  auto originals = read_topic(topic_, poison.size() + 1);
  for (const auto& r : dead) {
    bool found = false;
    for (const auto& o : originals) {
      found = found ||
              (std::to_string(o.partition) == r.header("dlq.origin.partition") &&
               std::to_string(o.offset) == r.header("dlq.origin.offset") && o.value == r.value);
    }
    EXPECT_TRUE(found) << r.header("dlq.reason");
  }
  EXPECT_EQ(count(fulfillment_db_, "SELECT count(*) FROM shipments"), 1);
}

TEST_F(DeadLetters, ARegistryThatIsDownIsWaitedForNotDeadLettered) {
  const auto v1 = registered(1);
  const std::string registry_url = stack_var("SCHEMA_REGISTRY_URL");
  const auto hostport = registry_url.substr(registry_url.find("://") + 3);
  const int registry_port = std::stoi(hostport.substr(hostport.find(':') + 1));
  TcpProxy proxy(registry_port);
  const std::string via_proxy =
      "http://127.0.0.1:" + std::to_string(proxy.port()) + hostport.substr(hostport.find('/'));
  auto fulfillment = start_fulfillment("fulfillment-a", {"--schema-registry-url", via_proxy});
  proxy.cut();
  produce_raw(topic_, "77", svc::frame(v1, event(77, 1)));

  EXPECT_FALSE(wait_for_shipment(77, std::chrono::seconds(5)));
  EXPECT_TRUE(read_topic(svc::dead_letter_topic(topic_), 0, std::chrono::seconds(3)).empty());

  proxy.restore();
  auto shipment = wait_for_shipment(77);
  ASSERT_TRUE(shipment) << fulfillment.output();
  EXPECT_EQ(shipment->total_cents, 1500);
  EXPECT_TRUE(read_topic(svc::dead_letter_topic(topic_), 0, std::chrono::seconds(3)).empty());
}

}  // namespace
}  // namespace schemashift::testing
