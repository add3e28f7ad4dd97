// `kubectl schemashift plan`: a manifest read from YAML as the API server would store it, shown
// as the phases the operator runs with every step in order; a bad field is refused with its
// path; a lint error refuses the plan and names the rule; YAML scalars keep their types.
#include "cli/plan_view.h"

#include <gtest/gtest.h>

#include "cli/yaml_json.h"

namespace {

using schemashift::cli::render_plan;
using schemashift::cli::yaml_documents;

const char* kManifest = R"Y(apiVersion: schemashift.io/v1alpha1
kind: SchemaMigration
metadata: {name: orders-amount, namespace: shop}
spec:
  database: {secretRef: {name: orders-db}}
  targets: [{service: orders, deployment: orders, flagKey: orders.amount}]
  expand: {sql: ["ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount numeric(12,2)"]
}
  backfill: {table: orders, keyColumn: id, set: "amount = amount_cents / 100.0", pendingWhere: "amount IS NULL", maxBatch: 5000}
  verify:
    checks: [{name: amounts-match, sql: "SELECT count(*) FROM orders WHERE amount * 100 IS DISTINCT FROM amount_cents", expect: "0"}]
  contract: {sql: ["ALTER TABLE orders DROP COLUMN amount_cents"], approval: Manual}
  rollback: {sql: ["ALTER TABLE orders DROP COLUMN IF EXISTS amount"]}
)Y";

std::string plan_of(const std::string& yaml, bool* refused = nullptr) {
  auto docs = yaml_documents(yaml);
  EXPECT_TRUE(docs) << (docs ? "" : docs.error());
  auto r = render_plan(docs->at(0), {.color = false, .unicode = false});
  if (refused) *refused = r.refused;
  return r.text;
}

TEST(PlanView, EveryPhaseAndStepInTheOrderTheOperatorRunsThem) {
  bool refused = true;
  const std::string t = plan_of(kManifest, &refused);
  EXPECT_FALSE(refused) << t;
  const std::vector<std::string> in_order = {
      "SchemaMigration shop/orders-amount",
      "1. Plan",
      "2. Expand",
      "expand.sql[0]  ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount numeric(12,2)",
      "3. Dual-write",
      "orders.amount on orders (Deployment orders)",
      "4. Backfill",
      "SET amount = amount_cents / 100.0  WHERE amount IS NULL",
      "batches of 100 to 5000 rows",
      "5. Verify",
      "check amounts-match",
      "6. Read switch",
      "7. Await",
      "kubectl schemashift approve orders-amount",
      "8. Contract",
      "contract.sql[0]  ALTER TABLE orders DROP COLUMN amount_cents",
      "9. Completed",
      "Rollback, possible until Contract starts",
      "rollback.sql[0]  ALTER TABLE orders DROP COLUMN IF EXISTS amount",
  };
  std::size_t at = 0;
  for (const auto& s : in_order) {
    const auto found = t.find(s, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << s << "\n" << t;
    at = found;
  }
}

TEST(PlanView, ABadFieldIsRefusedWithItsPath) {
  std::string m = kManifest;
  m.replace(m.find("approval: Manual"), 16, "approval: Later");
  bool refused = false;
  const std::string t = plan_of(m, &refused);
  EXPECT_TRUE(refused);
  EXPECT_NE(t.find("spec.contract.approval: must be Manual or Auto, not \"Later\""),
            std::string::npos)
      << t;
}

TEST(PlanView, ALintErrorRefusesThePlanAndNamesTheRule) {
  std::string m = kManifest;
  m.replace(m.find("ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount numeric(12,2)"), 64,
            "CREATE INDEX orders_amount ON orders (amount_cents)");
  bool refused = false;
  const std::string t = plan_of(m, &refused);
  EXPECT_TRUE(refused) << t;
  EXPECT_NE(t.find("x expand.sql[0]"), std::string::npos) << t;
  EXPECT_NE(t.find("[index-without-concurrently]"), std::string::npos) << t;
  EXPECT_NE(t.find("would stop at Planned"), std::string::npos) << t;
}

TEST(YamlJson, ScalarsKeepTheirTypesAndQuotedOnesStayStrings) {
  auto docs =
      yaml_documents("a: 3\nb: \"3\"\nc: true\nd: 'true'\ne: 0.5\nf: ~\ng: text\n---\n---\nh: 1\n");
  ASSERT_TRUE(docs);
  ASSERT_EQ(docs->size(), 2u);
  const auto& d = docs->at(0);
  EXPECT_TRUE(d["a"].is_number_integer());
  EXPECT_TRUE(d["b"].is_string());
  EXPECT_TRUE(d["c"].is_boolean());
  EXPECT_TRUE(d["d"].is_string());
  EXPECT_DOUBLE_EQ(d["e"].get<double>(), 0.5);
  EXPECT_TRUE(d["f"].is_null());
  EXPECT_EQ(d["g"], "text");
  EXPECT_FALSE(yaml_documents("a: [1, 2\n"));
}

}  // namespace
