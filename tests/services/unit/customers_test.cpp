// customers-service's pure logic: the v1 and v2 shapes (reading validates, writing is exact),
// the language derived from the country, the columns each flag mode needs, and the v1
// retirement headers.
#include <gtest/gtest.h>

#include "customer.h"
#include "customer_schema.h"
#include "http_errors.h"
#include "language.h"
#include "v1_lifecycle.h"

namespace schemashift::customers {
namespace {

using nlohmann::json;
using svc::FlagMode;

std::string field_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const svc::BadRequest& e) {
    return e.field;
  }
  return "<accepted>";
}

TEST(CustomerShapes, V1AndV2DescribeTheSameCustomer) {
  const auto v1 = customer_from_v1(json::parse(
      R"({"first_name":"Ada","last_name":"Lovelace","email":"ada@example.org","city":"London",
          "country":"GB","unknown":"ignored"})"));
  const auto v2 = customer_from_v2(json::parse(
      R"({"email":"ada@example.org","name":{"given":"Ada","family":"Lovelace"},
          "address":{"city":"London","country":"GB"},"extra":1})"));
  EXPECT_EQ(v1, v2);
  Customer c = v1;
  c.id = 7;
  EXPECT_EQ(to_v1(c), json::parse(R"({"id":7,"first_name":"Ada","last_name":"Lovelace",
      "email":"ada@example.org","street":null,"city":"London","postal_code":null,"country":"GB"})"));
  EXPECT_EQ(to_v2(c), json::parse(R"({"id":7,"email":"ada@example.org",
      "name":{"given":"Ada","family":"Lovelace"},
      "address":{"street":null,"city":"London","postal_code":null,"country":"GB"}})"));
  c.preferred_language = "en";
  EXPECT_EQ(to_v2(c)["preferred_language"], "en");
  EXPECT_FALSE(to_v1(c).contains("preferred_language"));
}

TEST(CustomerShapes, BadBodiesNameTheirField) {
  EXPECT_EQ(field_of([] { customer_from_v1(json::parse(R"({"last_name":"L","email":"a@b"})")); }),
            "first_name");
  EXPECT_EQ(field_of([] {
              customer_from_v1(json::parse(
                  R"({"first_name":"F","last_name":"L","email":"a@b","country":"DEU"})"));
            }),
            "country");
  EXPECT_EQ(field_of([] { customer_from_v2(json::parse(R"({"email":"a@b","name":"Ada"})")); }),
            "name");
  EXPECT_EQ(field_of([] {
              customer_from_v2(json::parse(
                  R"({"email":"a@b","name":{"given":"A","family":"B"},"address":{"city":3}})"));
            }),
            "address.city");
  EXPECT_EQ(field_of([] {
              customer_from_v2(json::parse(
                  R"({"email":"a@b","name":{"given":"A","family":"B"},"preferred_language":"x"})"));
            }),
            "preferred_language");
  EXPECT_EQ(field_of([] {
              customer_from_v2(json::parse(R"({"email":"@b","name":{"given":"A","family":"B"}})"));
            }),
            "email");
}

TEST(Language, ComesFromTheCountryElseEnglish) {
  EXPECT_EQ(language_for_country("DE"), "de");
  EXPECT_EQ(language_for_country("at"), "de");
  EXPECT_EQ(language_for_country("FR"), "fr");
  EXPECT_EQ(language_for_country("ZZ"), "en");
  EXPECT_EQ(language_for_country(std::nullopt), "en");
}

TEST(FlagColumns, EachModeNeedsTheColumnsItReadsOrWrites) {
  using V = std::vector<std::string>;
  EXPECT_EQ(columns_needed(kGivenName, FlagMode::kOld), V{"customers.first_name"});
  EXPECT_EQ(columns_needed(kGivenName, FlagMode::kDualWrite),
            (V{"customers.first_name", "customers.given_name"}));
  EXPECT_EQ(columns_needed(kGivenName, FlagMode::kNew), V{"customers.given_name"});
  EXPECT_EQ(columns_needed(kPreferredLanguage, FlagMode::kOld), V{});
  EXPECT_EQ(columns_needed(kPreferredLanguage, FlagMode::kReadNew),
            V{"customers.preferred_language"});
  EXPECT_EQ(columns_needed(kAddresses, FlagMode::kNew).size(), 5u);
  EXPECT_EQ(columns_needed(kAddresses, FlagMode::kNew).front(), "addresses.customer_id");
  EXPECT_EQ(columns_needed(kAddresses, FlagMode::kReadNew).size(), 9u);
  EXPECT_EQ(columns_needed(kV1Lifecycle, FlagMode::kNew), V{});
}

TEST(V1Retirement, HeadersOnlyOnceDeprecated) {
  const V1Retirement dates;
  EXPECT_TRUE(v1_headers(FlagMode::kOld, dates).empty());
  const auto h = v1_headers(FlagMode::kDualWrite, dates);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"Deprecation", "@1767225600"}));
  EXPECT_EQ(h[1].second, "Wed, 01 Jul 2026 00:00:00 GMT");
  EXPECT_EQ(h[2].second, "</v2/customers>; rel=\"successor-version\"");
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace schemashift::customers
