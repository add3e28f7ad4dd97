// Verification against the real PostgreSQL: a clean table passes; every injected corrupt row
// is found (with its key range) and nothing else is; NULL and '' are told apart; custom checks
// compare their value; pending rows are counted.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "pg/verify.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift::pg;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = "vf_" + unique_suffix();
    pqxx::work tx(conn_);
    tx.exec0("CREATE TABLE " + table_ +
             " (id bigint PRIMARY KEY, first_name text, given_name text)");
    tx.exec0(
        "INSERT INTO " + table_ +
        " SELECT g, CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN '' ELSE 'name' || g END,"
        " CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN '' ELSE 'name' || g END"
        " FROM generate_series(1, 20000) g");
    tx.commit();
  }
  void TearDown() override {
    pqxx::work tx(conn_);
    tx.exec0("DROP TABLE IF EXISTS " + table_);
    tx.commit();
  }
  ChecksumSpec spec() { return {table_, "id", "first_name", "given_name", 3000}; }
  pqxx::connection conn_{stack_var("PG_CUSTOMERS_DSN")};
  std::string table_;
};

TEST_F(VerifyTest, ACleanCopyPasses) {
  auto r = compare_checksums(conn_, spec());
  EXPECT_TRUE(r.failures.empty()) << r.failures[0];
  EXPECT_EQ(r.rows_checked, 20000);
}

TEST_F(VerifyTest, EveryCorruptRowIsFoundAndNothingElse) {
  pqxx::work tx(conn_);
  tx.exec0("UPDATE " + table_ + " SET given_name = 'wrong' WHERE id IN (5, 7, 15004)");
  tx.exec0("UPDATE " + table_ + " SET given_name = '' WHERE id = 10");    // NULL became ''
  tx.exec0("UPDATE " + table_ + " SET given_name = NULL WHERE id = 11");  // '' became NULL
  tx.commit();
  auto r = compare_checksums(conn_, spec());
  ASSERT_EQ(r.failures.size(), 2u) << "two chunks hold corrupt rows";
  EXPECT_NE(r.failures[0].find("[1, 3000]: 4 rows differ, first at id = 5"), std::string::npos)
      << r.failures[0];
  EXPECT_NE(r.failures[1].find("(15000, 18000]: 1 rows differ, first at id = 15004"),
            std::string::npos)
      << r.failures[1];
}

TEST_F(VerifyTest, CustomChecksCompareTheirValue) {
  std::vector<schemashift::migration::VerifyCheck> checks = {
      {"same-names",
       "SELECT count(*) FROM " + table_ + " WHERE given_name IS DISTINCT FROM first_name", "0"},
      {"row-count", "SELECT count(*) FROM " + table_, "20001"},
      {"broken", "SELECT count(*) FROM no_such_table", "0"}};
  auto r = run_checks(conn_, checks);
  ASSERT_EQ(r.failures.size(), 2u);
  EXPECT_EQ(r.failures[0], "row-count: 20000, expected 20001");
  EXPECT_NE(r.failures[1].find("broken: the check failed to run"), std::string::npos);
  EXPECT_NE(r.failures[1].find("no_such_table"), std::string::npos);
}

TEST_F(VerifyTest, PendingRowsAreCounted) {
  EXPECT_EQ(pending_rows(conn_, table_, "given_name IS NULL"), 2000);
  EXPECT_EQ(pending_rows(conn_, table_, ""), 0);
}

}  // namespace
