// fulfillment's pure logic: the address out of either customers shape, and what each mode of
// its flags reads.
#include <gtest/gtest.h>

#include "customers_client.h"
#include "fulfillment_modes.h"

namespace schemashift::fulfillment {
namespace {

using nlohmann::json;

TEST(FulfillmentLogic, ShipToFromEitherCustomersShape) {
  auto v1 = ship_to_from_v1(json{{"id", 1},
                                 {"first_name", "Ada"},
                                 {"last_name", "Byron"},
                                 {"street", "1 Main St"},
                                 {"city", "Berlin"},
                                 {"postal_code", "10115"},
                                 {"country", "DE"}});
  ASSERT_TRUE(v1.ok()) << v1.error();
  EXPECT_EQ(v1->to_json(), (json{{"name", "Ada Byron"},
                                 {"street", "1 Main St"},
                                 {"city", "Berlin"},
                                 {"postal_code", "10115"},
                                 {"country", "DE"}}));
  auto v2 = ship_to_from_v2(json{{"name", {{"given", "Ada"}, {"family", "Byron"}}},
                                 {"address",
                                  {{"street", "1 Main St"},
                                   {"city", "Berlin"},
                                   {"postal_code", "10115"},
                                   {"country", "DE"}}}});
  ASSERT_TRUE(v2.ok()) << v2.error();
  EXPECT_EQ(v2->to_json(), v1->to_json());
}

TEST(FulfillmentLogic, ACustomerWithoutAnAddressIsNotAnError) {
  auto v1 =
      ship_to_from_v1(json{{"first_name", "Ada"}, {"last_name", "Byron"}, {"street", nullptr}});
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->street, "");
  auto v2 = ship_to_from_v2(json{{"name", {{"given", "Ada"}, {"family", "Byron"}}}});
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->name, "Ada Byron");
  EXPECT_FALSE(ship_to_from_v1(json::array()).ok());
  EXPECT_FALSE(ship_to_from_v2(json{{"name", {{"given", 3}}}}).ok());
}

TEST(FulfillmentLogic, WhatEachModeReads) {
  EXPECT_EQ(customers_api_for(svc::FlagMode::kOld), CustomersApi::kV1);
  EXPECT_EQ(customers_api_for(svc::FlagMode::kDualWrite), CustomersApi::kV1);
  EXPECT_EQ(customers_api_for(svc::FlagMode::kReadNew), CustomersApi::kV2);
  EXPECT_EQ(customers_api_for(svc::FlagMode::kNew), CustomersApi::kV2);
  EXPECT_EQ(total_source_for(svc::FlagMode::kOld), svc::TotalSource::kTotal);
  EXPECT_EQ(total_source_for(svc::FlagMode::kDualWrite), svc::TotalSource::kPreferCents);
  EXPECT_EQ(total_source_for(svc::FlagMode::kReadNew), svc::TotalSource::kPreferCents);
  EXPECT_EQ(total_source_for(svc::FlagMode::kNew), svc::TotalSource::kRequireCents);
}

}  // namespace
}  // namespace schemashift::fulfillment
