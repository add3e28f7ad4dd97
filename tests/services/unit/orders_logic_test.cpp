// orders' pure logic: the decimal amount, the v1/v2 bodies and shapes, and which OrderCreated
// version each mode of orders.event_version publishes.
#include <gtest/gtest.h>

#include "http_errors.h"
#include "order_json.h"
#include "order_modes.h"

namespace schemashift::orders {
namespace {

using nlohmann::json;

TEST(OrdersLogic, CentsAsADecimalString) {
  EXPECT_EQ(cents_to_decimal(1234), "12.34");
  EXPECT_EQ(cents_to_decimal(5), "0.05");
  EXPECT_EQ(cents_to_decimal(100), "1.00");
  EXPECT_EQ(cents_to_decimal(0), "0.00");
  EXPECT_EQ(cents_to_decimal(-5), "-0.05");
}

TEST(OrdersLogic, EventVersionPerMode) {
  EXPECT_EQ(event_version_for(svc::FlagMode::kOld), 1);
  EXPECT_EQ(event_version_for(svc::FlagMode::kDualWrite), 2);
  EXPECT_EQ(event_version_for(svc::FlagMode::kReadNew), 2);
  EXPECT_EQ(event_version_for(svc::FlagMode::kNew), 3);
}

std::string field_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const svc::BadRequest& e) {
    return e.field;
  }
  return "(accepted)";
}

TEST(OrdersLogic, V1BodiesNameTheFieldThatIsWrongAndIgnoreUnknownOnes) {
  const NewOrder o = parse_v1_order(json{{"customer_id", 3}, {"amount_cents", 250}, {"x", 1}});
  EXPECT_EQ(o.customer_id, 3);
  EXPECT_EQ(o.total_cents, 250);
  EXPECT_EQ(o.status, "created");
  EXPECT_EQ(field_of([] { parse_v1_order(json{{"amount_cents", 1}}); }), "customer_id");
  EXPECT_EQ(field_of([] {
              parse_v1_order(json{{"customer_id", 0}, {"amount_cents", 1}});
            }),
            "customer_id");
  EXPECT_EQ(field_of([] {
              parse_v1_order(json{{"customer_id", 1}, {"amount_cents", -1}});
            }),
            "amount_cents");
  EXPECT_EQ(field_of([] {
              parse_v1_order(json{{"customer_id", 1}, {"amount_cents", 1.5}});
            }),
            "amount_cents");
  EXPECT_EQ(field_of([] {
              parse_v1_order(json{{"customer_id", 1}, {"amount_cents", 1}, {"status", ""}});
            }),
            "status");
}

TEST(OrdersLogic, V2BodiesCarryCurrencyAndMetadata) {
  const NewOrder o = parse_v2_order(
      json{{"customer_id", 3}, {"total_cents", 99}, {"currency", "EUR"}, {"metadata", {{"a", 1}}}});
  EXPECT_EQ(o.total_cents, 99);
  ASSERT_TRUE(o.metadata);
  EXPECT_EQ(*o.metadata, (json{{"a", 1}}));
  EXPECT_EQ(field_of([] {
              parse_v2_order(json{{"customer_id", 1}, {"total_cents", 1}, {"currency", "USD"}});
            }),
            "currency");
  EXPECT_EQ(field_of([] {
              parse_v2_order(json{{"customer_id", 1}, {"total_cents", 1}, {"metadata", 3}});
            }),
            "metadata");
}

TEST(OrdersLogic, TheTwoShapes) {
  Order o;
  o.id = 9;
  o.customer_id = 2;
  o.total_cents = 1050;
  EXPECT_EQ(v1_json(o),
            (json{{"id", 9}, {"customer_id", 2}, {"status", "created"}, {"amount_cents", 1050}}));
  EXPECT_EQ(v2_json(o), (json{{"id", 9},
                              {"customer_id", 2},
                              {"status", "created"},
                              {"total_cents", 1050},
                              {"currency", "EUR"},
                              {"amount", "10.50"}}));
  o.metadata = json{{"gift", true}};
  EXPECT_EQ(v2_json(o)["metadata"], (json{{"gift", true}}));
  EXPECT_FALSE(v1_json(o).contains("metadata"));
}

}  // namespace
}  // namespace schemashift::orders
