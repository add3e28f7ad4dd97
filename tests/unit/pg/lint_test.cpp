#include "pg/lint.h"

#include <gtest/gtest.h>

namespace {

using namespace schemashift::pg;

std::vector<std::string> rules(Section s, const std::vector<std::string>& sql,
                               const TableSizes& sizes = {}) {
  std::vector<std::string> out;
  for (const auto& f : lint(s, sql, sizes)) out.push_back(f.rule + (f.error ? "" : "(warning)"));
  return out;
}

TEST(Lint, EachUnsafeOperationIsNamedWithTheSafeAlternative) {
  EXPECT_EQ(rules(Section::kExpand, {"ALTER TABLE orders ALTER COLUMN amount_cents TYPE bigint"}),
            std::vector<std::string>{"rewrite-type-change"});
  EXPECT_EQ(
      rules(Section::kExpand, {"ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT now()"}),
      std::vector<std::string>{"volatile-default"});
  EXPECT_EQ(rules(Section::kExpand, {"ALTER TABLE customers ADD COLUMN lang text NOT NULL"}),
            std::vector<std::string>{"add-not-null-without-default"});
  EXPECT_EQ(rules(Section::kExpand, {"ALTER TABLE customers ALTER COLUMN lang SET NOT NULL"}),
            std::vector<std::string>{"set-not-null-without-check"});
  EXPECT_EQ(rules(Section::kExpand, {"CREATE INDEX orders_amount ON orders (amount)"}),
            std::vector<std::string>{"index-without-concurrently"});
  EXPECT_EQ(rules(Section::kExpand, {"ALTER TABLE addresses ADD CONSTRAINT fk FOREIGN KEY "
                                     "(customer_id) REFERENCES customers (id)"}),
            std::vector<std::string>{"constraint-without-not-valid"});
  EXPECT_EQ(rules(Section::kExpand, {"ALTER TABLE customers DROP COLUMN street"}),
            std::vector<std::string>{"drop-in-expand"});
  EXPECT_EQ(
      rules(Section::kExpand, {"ALTER TABLE customers RENAME COLUMN first_name TO given_name"}),
      std::vector<std::string>{"rename"});
  EXPECT_EQ(rules(Section::kExpand, {"VACUUM FULL orders"}),
            std::vector<std::string>{"long-held-lock"});
  auto f = lint(Section::kExpand, {"x", "CREATE INDEX i ON orders (amount)"}, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].where, "expand.sql[1]");
  EXPECT_NE(f[0].message.find("CREATE INDEX CONCURRENTLY IF NOT EXISTS"), std::string::npos);
}

TEST(Lint, TheSafeNotNullSequencePasses) {
  EXPECT_TRUE(rules(Section::kExpand,
                    {"ALTER TABLE customers ADD COLUMN IF NOT EXISTS preferred_language text",
                     "ALTER TABLE customers ADD CONSTRAINT lang_nn CHECK (preferred_language IS "
                     "NOT NULL) NOT VALID",
                     "ALTER TABLE customers VALIDATE CONSTRAINT lang_nn",
                     "ALTER TABLE customers ALTER COLUMN preferred_language SET NOT NULL",
                     "ALTER TABLE customers DROP CONSTRAINT lang_nn"})
                  .empty());
}

TEST(Lint, SafeExpandAndContractStatementsPass) {
  EXPECT_TRUE(rules(Section::kExpand,
                    {"ALTER TABLE orders ADD COLUMN IF NOT EXISTS metadata jsonb",
                     "ALTER TABLE orders ADD COLUMN amount numeric(12,2) DEFAULT 0",
                     "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_amount ON orders (amount)"})
                  .empty());
  EXPECT_TRUE(rules(Section::kContract, {"ALTER TABLE orders DROP COLUMN amount_cents"}).empty());
  EXPECT_TRUE(
      rules(Section::kRollback, {"ALTER TABLE orders DROP COLUMN IF EXISTS amount"}).empty());
}

TEST(Lint, SizeMattersRulesAreWarningsOnSmallTables) {
  const TableSizes sizes = {{"countries", 250}, {"orders", 1000000}};
  EXPECT_EQ(rules(Section::kExpand, {"CREATE INDEX c_name ON countries (name)"}, sizes),
            std::vector<std::string>{"index-without-concurrently(warning)"});
  EXPECT_EQ(rules(Section::kExpand, {"CREATE INDEX o_amount ON orders (amount)"}, sizes),
            std::vector<std::string>{"index-without-concurrently"});
}

TEST(Lint, FindsTheTablesAStatementTouches) {
  EXPECT_EQ(tables_in("ALTER TABLE IF EXISTS ONLY \"Shop\".orders ADD COLUMN x int"),
            std::vector<std::string>{"shop.orders"});
  EXPECT_EQ(tables_in("CREATE UNIQUE INDEX CONCURRENTLY i ON customers (email)"),
            std::vector<std::string>{"customers"});
}

}  // namespace
