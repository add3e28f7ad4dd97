#include "pg/fragment.h"

#include <gtest/gtest.h>

namespace {

using schemashift::pg::check_expression;
using schemashift::pg::check_set_list;

const std::vector<std::string> kKey = {"id"};

TEST(Fragment, SetListsThatKeepTheBatchBoundedPass) {
  EXPECT_EQ(check_set_list("amount = amount_cents / 100.0", kKey), std::nullopt);
  EXPECT_EQ(check_set_list("amount = amount_cents / 100.0, touched = touched + 1", kKey),
            std::nullopt);
  EXPECT_EQ(check_set_list("note = 'a -- b; c', (x, y) = (1, 2)", kKey), std::nullopt);
  EXPECT_EQ(check_set_list("rate = (SELECT r.rate FROM rates r WHERE r.cur = cur)", kKey),
            std::nullopt);
  EXPECT_EQ(check_set_list("x = 1 /* a comment that ends */", kKey), std::nullopt);
}

TEST(Fragment, SetListsThatWouldChangeTheStatementAreRefused) {
  // A trailing comment would swallow the key range: the batch would update the whole table.
  EXPECT_NE(check_set_list("x = 1 --", kKey), std::nullopt);
  EXPECT_NE(check_set_list("x = 1; DELETE FROM orders", kKey), std::nullopt);
  EXPECT_NE(check_set_list("x = 1 /*", kKey), std::nullopt);
  EXPECT_NE(check_set_list("x = 1 FROM other", kKey), std::nullopt);
  EXPECT_NE(check_set_list("x = 1 WHERE true OR", kKey), std::nullopt);
  EXPECT_NE(check_set_list("x = $1", kKey), std::nullopt);
  EXPECT_NE(check_set_list("", kKey), std::nullopt);
  EXPECT_NE(check_set_list("x = ", kKey), std::nullopt);
  auto key = check_set_list("id = id + 1", kKey);
  ASSERT_TRUE(key);
  EXPECT_NE(key->find("key column id"), std::string::npos) << *key;
  auto shape = check_set_list("x = 1 --", kKey);
  EXPECT_NE(shape->find("shape"), std::string::npos) << *shape;
}

TEST(Fragment, CallsAMigrationHasNoBusinessMakingAreRefused) {
  for (const char* call :
       {"x = pg_read_file('/etc/passwd')", "x = pg_catalog.pg_ls_dir('.')::text",
        "x = lo_import('/etc/passwd')", "x = lo_export(1, '/tmp/x')",
        "x = dblink('host=evil', 'SELECT 1')", "x = set_config('search_path', 'evil', false)",
        "x = (SELECT pg_sleep(10))::text", "x = PG_TERMINATE_BACKEND(1)",
        "x = pg_try_advisory_lock(1)", "x = query_to_xml('DELETE FROM t', true, true, '')"}) {
    auto why = check_set_list(call, kKey);
    ASSERT_TRUE(why) << call;
    EXPECT_NE(why->find("no business"), std::string::npos) << call << ": " << *why;
  }
  EXPECT_NE(check_expression("pg_read_binary_file('/etc/shadow') IS NULL"), std::nullopt);
}

TEST(Fragment, ExpressionsMustBeExactlyOne) {
  EXPECT_EQ(check_expression("amount IS NULL"), std::nullopt);
  EXPECT_EQ(check_expression("(amount * 100)::int"), std::nullopt);
  EXPECT_EQ(check_expression("coalesce(a, '--')"), std::nullopt);
  EXPECT_NE(check_expression("amount IS NULL) OR (true"), std::nullopt);
  EXPECT_NE(check_expression("amount IS NULL --"), std::nullopt);
  EXPECT_NE(check_expression("1), (2"), std::nullopt);
  EXPECT_NE(check_expression("1) FROM t UNION SELECT (2"), std::nullopt);
  EXPECT_NE(check_expression("true; DROP TABLE orders"), std::nullopt);
  EXPECT_NE(check_expression("id > $1"), std::nullopt);
  EXPECT_NE(check_expression(std::string("a\0b", 3)), std::nullopt);
}

}  // namespace
