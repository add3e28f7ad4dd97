// OrderCreated in its three versions: the payload each version carries, the version a
// schema names, validation against the schema, and the upcast to the current shape under
// each of the consumer's modes.
#include "event_schemas.h"

#include <gtest/gtest.h>

#include "json_schema_check.h"

namespace schemashift::svc {
namespace {

using nlohmann::json;

OrderCreated order() {
  OrderCreated e;
  e.event_id = "6f1c0f5e-0000-4000-8000-000000000001";
  e.order_id = 17;
  e.customer_id = 4;
  e.total_cents = 1234;
  e.currency = "EUR";
  return e;
}

TEST(EventSchemas, SubjectFollowsTopicNameStrategy) {
  EXPECT_EQ(value_subject(kOrdersTopic), "orders.order-created-value");
}

TEST(EventSchemas, EachVersionCarriesItsFields) {
  const json v1 = order_created_payload(order(), 1);
  EXPECT_EQ(v1, json::parse(R"({"event_id":"6f1c0f5e-0000-4000-8000-000000000001",
      "order_id":17,"customer_id":4,"total":12.34})"));
  const json v2 = order_created_payload(order(), 2);
  EXPECT_EQ(v2["total"], 12.34);
  EXPECT_EQ(v2["total_cents"], 1234);
  EXPECT_EQ(v2["currency"], "EUR");
  const json v3 = order_created_payload(order(), 3);
  EXPECT_FALSE(v3.contains("total"));
  EXPECT_EQ(v3["total_cents"], 1234);
  for (int v = 1; v <= 3; ++v) {
    EXPECT_TRUE(
        schema_violations(order_created_schema(v), order_created_payload(order(), v)).empty())
        << "v" << v;
    EXPECT_EQ(order_created_version(order_created_schema(v)), v);
  }
  EXPECT_FALSE(order_created_version(json{{"title", "CustomerCreated v1"}}).has_value());
  EXPECT_THROW(order_created_schema(4), std::out_of_range);
}

TEST(EventSchemas, V2ReadsV1EventsButV3DoesNot) {
  const json v1 = order_created_payload(order(), 1);
  EXPECT_TRUE(schema_violations(order_created_schema(2), v1).empty());
  EXPECT_FALSE(schema_violations(order_created_schema(3), v1).empty());
}

TEST(EventSchemas, UpcastsEveryVersionToTheCurrentShape) {
  for (int v = 1; v <= 3; ++v) {
    const std::string payload = order_created_payload(order(), v).dump();
    auto r = decode_order_created(order_created_schema(v), payload, TotalSource::kPreferCents);
    ASSERT_TRUE(r.ok()) << "v" << v << ": " << r.error();
    EXPECT_EQ(r->version, v);
    EXPECT_EQ(r->event_id, order().event_id);
    EXPECT_EQ(r->order_id, 17);
    EXPECT_EQ(r->customer_id, 4);
    EXPECT_EQ(r->total_cents, 1234);
    EXPECT_EQ(r->currency, "EUR");
  }
}

TEST(EventSchemas, TotalsThatDoNotRoundTripInBinaryStillUpcastToTheRightCents) {
  OrderCreated e = order();
  e.total_cents = 1999;  // 19.99 is 19.989999... as a double
  auto r = decode_order_created(order_created_schema(1), order_created_payload(e, 1).dump(),
                                TotalSource::kTotal);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->total_cents, 1999);
}

TEST(EventSchemas, TheModeDecidesWhichAmountIsRead) {
  // A v2 event whose two amounts disagree shows which one each mode reads.
  json v2 = order_created_payload(order(), 2);
  v2["total"] = 1.0;
  auto old_mode = decode_order_created(order_created_schema(2), v2.dump(), TotalSource::kTotal);
  ASSERT_TRUE(old_mode.ok());
  EXPECT_EQ(old_mode->total_cents, 100);
  auto dual = decode_order_created(order_created_schema(2), v2.dump(), TotalSource::kPreferCents);
  ASSERT_TRUE(dual.ok());
  EXPECT_EQ(dual->total_cents, 1234);

  // The old consumer cannot read v3, the new one requires total_cents from v2 on.
  auto v3_old = decode_order_created(order_created_schema(3),
                                     order_created_payload(order(), 3).dump(), TotalSource::kTotal);
  ASSERT_FALSE(v3_old.ok());
  EXPECT_NE(v3_old.error().find("total"), std::string::npos);
  json v2_without_cents = order_created_payload(order(), 1);
  auto strict = decode_order_created(order_created_schema(2), v2_without_cents.dump(),
                                     TotalSource::kRequireCents);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().find("total_cents"), std::string::npos);
  auto v1_strict = decode_order_created(order_created_schema(1), v2_without_cents.dump(),
                                        TotalSource::kRequireCents);
  ASSERT_TRUE(v1_strict.ok()) << v1_strict.error();
  EXPECT_EQ(v1_strict->total_cents, 1234);
}

TEST(EventSchemas, RefusesWhatCannotBeRead) {
  const json& v2 = order_created_schema(2);
  auto invalid = decode_order_created(v2, "{not json", TotalSource::kPreferCents);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error(), "invalid JSON payload");

  json missing = order_created_payload(order(), 2);
  missing.erase("order_id");
  auto no_order = decode_order_created(v2, missing.dump(), TotalSource::kPreferCents);
  ASSERT_FALSE(no_order.ok());
  EXPECT_EQ(no_order.error(), "missing required field \"order_id\"");

  json wrong = order_created_payload(order(), 2);
  wrong["customer_id"] = "four";
  auto typed = decode_order_created(v2, wrong.dump(), TotalSource::kPreferCents);
  ASSERT_FALSE(typed.ok());
  EXPECT_EQ(typed.error(), "/customer_id: expected integer, got string");

  auto foreign = decode_order_created(json{{"type", "object"}}, "{}", TotalSource::kPreferCents);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error(), "schema is not an OrderCreated version");
}

TEST(JsonSchemaCheck, ClosedObjectsTypeListsEnumsAndMinimums) {
  const json schema = json::parse(R"({"type":"object","additionalProperties":false,
      "properties":{"n":{"type":["integer","null"],"minimum":0},
                    "c":{"type":"string","enum":["EUR","USD"]},
                    "inner":{"type":"object","required":["x"]}}})");
  EXPECT_TRUE(schema_violations(schema, json::parse(R"({"n":null,"c":"EUR"})")).empty());
  EXPECT_TRUE(schema_violations(schema, json::parse(R"({"n":3.0})")).empty());
  EXPECT_EQ(schema_violations(schema, json::parse(R"({"n":-1})")),
            std::vector<std::string>{"/n: value -1 is below the minimum 0"});
  EXPECT_EQ(schema_violations(schema, json::parse(R"({"c":"GBP"})")),
            std::vector<std::string>{R"(/c: value "GBP" is not one of ["EUR","USD"])"});
  EXPECT_EQ(schema_violations(schema, json::parse(R"({"z":1})")),
            std::vector<std::string>{R"(field "z" is not allowed)"});
  EXPECT_EQ(schema_violations(schema, json::parse(R"({"inner":{}})")),
            std::vector<std::string>{R"(/inner: missing required field "x")"});
  EXPECT_EQ(schema_violations(schema, json::parse("[1]")),
            std::vector<std::string>{"expected object, got array"});
}

}  // namespace
}  // namespace schemashift::svc
