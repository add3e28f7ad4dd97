// The APIs as a client of the cluster sees them, through the customers and orders Services
// (their ClusterIPs, load-balanced over 2 pods each): a customer created in v1 read back in
// v1's flat and v2's nested shape, an order created in v1 read in v2 and the other way round,
// 404 for an unknown id, 400 naming the field for a malformed body, and the OpenAPI 3.1
// documents of customers' two versions, valid.
#include <gtest/gtest.h>

#include "e2e/services_shop.h"
#include "openapi_validator.h"

namespace {

using nlohmann::json;
using schemashift::testing::Shop;
using schemashift::testing::validate_openapi;

class ServicesApi : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string s : {"customers", "orders"}) {
      auto r = shop_.install(s, "--set replicaCount=2");
      ASSERT_EQ(r.exit_code, 0) << r.output << shop_.describe(s);
    }
  }
  Shop shop_;
};

TEST_F(ServicesApi, CustomersAnswerV1AndV2ThroughTheirService) {
  const json v1 = {{"first_name", "Ada"},
                   {"last_name", "Lovelace"},
                   {"email", "ada@example.org"},
                   {"street", "12 St James's Square"},
                   {"city", "London"},
                   {"postal_code", "SW1Y 4JH"},
                   {"country", "GB"}};
  auto created = shop_.post("customers", "/v1/customers", v1);
  ASSERT_EQ(created.status, 201) << created.text << shop_.describe("customers");
  const auto id = created.body["id"].get<std::int64_t>();
  // Read many times: both pods answer the same.
  for (int i = 0; i < 6; ++i) {
    auto flat = shop_.get("customers", "/v1/customers/" + std::to_string(id));
    ASSERT_EQ(flat.status, 200) << flat.text;
    json expected = v1;
    expected["id"] = id;
    for (const auto& [k, v] : expected.items())
      EXPECT_EQ(flat.body[k], v) << k << ": " << flat.text;
    auto nested = shop_.get("customers", "/v2/customers/" + std::to_string(id));
    ASSERT_EQ(nested.status, 200) << nested.text;
    EXPECT_EQ(nested.body["name"], json({{"given", "Ada"}, {"family", "Lovelace"}})) << nested.text;
    EXPECT_EQ(nested.body["address"]["city"], "London") << nested.text;
    EXPECT_EQ(nested.body["email"], "ada@example.org");
  }
  EXPECT_EQ(shop_.get("customers", "/v1/customers/999999999").status, 404);
  auto bad = shop_.post("customers", "/v2/customers", {{"email", 42}});
  EXPECT_EQ(bad.status, 400) << bad.text;
  EXPECT_TRUE(bad.body.is_object() && bad.body.contains("field")) << bad.text;
}

TEST_F(ServicesApi, OrdersAnswerV1AndV2ThroughTheirService) {
  auto v1 = shop_.post("orders", "/v1/orders", {{"customer_id", 3}, {"amount_cents", 1999}});
  ASSERT_EQ(v1.status, 201) << v1.text << shop_.describe("orders");
  const auto id = std::to_string(v1.body["id"].get<std::int64_t>());
  auto as_v2 = shop_.get("orders", "/v2/orders/" + id);
  ASSERT_EQ(as_v2.status, 200) << as_v2.text;
  EXPECT_EQ(as_v2.body["total_cents"], 1999);
  EXPECT_EQ(as_v2.body["currency"], "EUR");
  EXPECT_EQ(as_v2.body["amount"], "19.99");
  auto v2 = shop_.post("orders", "/v2/orders",
                       {{"customer_id", 3}, {"total_cents", 500}, {"currency", "EUR"}});
  ASSERT_EQ(v2.status, 201) << v2.text;
  auto as_v1 =
      shop_.get("orders", "/v1/orders/" + std::to_string(v2.body["id"].get<std::int64_t>()));
  ASSERT_EQ(as_v1.status, 200) << as_v1.text;
  EXPECT_EQ(as_v1.body["amount_cents"], 500);
  EXPECT_EQ(as_v1.body["customer_id"], 3);
  EXPECT_EQ(shop_.get("orders", "/v1/orders/999999999").status, 404);
  auto bad = shop_.post("orders", "/v1/orders", {{"customer_id", 3}, {"amount_cents", "ten"}});
  EXPECT_EQ(bad.status, 400) << bad.text;
  EXPECT_EQ(bad.body.value("field", ""), "amount_cents") << bad.text;
}

// customers' OpenAPI 3.1 documents, served by its pods, pass a real validator
// (openapi-spec-validator) and describe the version's collection.
TEST_F(ServicesApi, CustomersServeAValidOpenApiDocumentPerVersion) {
  for (const std::string v : {"v1", "v2"}) {
    auto doc = shop_.get("customers", "/" + v + "/openapi.json");
    ASSERT_EQ(doc.status, 200) << v << ": " << doc.text;
    ASSERT_TRUE(doc.body.is_object()) << doc.text;
    EXPECT_EQ(doc.body.value("openapi", "").rfind("3.1", 0), 0u) << v;
    ASSERT_TRUE(doc.body["paths"].is_object()) << doc.text;
    bool names_its_collection = false;
    for (const auto& [path, item] : doc.body["paths"].items())
      names_its_collection = names_its_collection || path.rfind("/" + v + "/customers", 0) == 0;
    EXPECT_TRUE(names_its_collection) << v << ": " << doc.body["paths"].dump();
    const auto verdict = validate_openapi(doc.text);
    EXPECT_TRUE(verdict.valid) << v << ": " << verdict.detail;
  }
}

}  // namespace
