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

// A table split (customers -> addresses) checked as spec.verify.foreignKeys does: the split
// itself is real SQL, then children are removed and altered behind the check's back.
class ForeignKeyVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string s = unique_suffix();
    customers_ = "cu_" + s;
    addresses_ = "ad_" + s;
    pqxx::work tx(conn_);
    tx.exec0("CREATE TABLE " + customers_ +
             " (id bigint PRIMARY KEY, name text NOT NULL, street text, city text)");
    tx.exec0("INSERT INTO " + customers_ +
             " SELECT g, 'c' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE g || ' Main St' END, "
             "CASE WHEN g % 11 = 0 THEN '' ELSE 'City ' || (g % 50) END "
             "FROM generate_series(1, 20000) g");
    // The split: addresses get their own table, keyed by the customer.
    tx.exec0("CREATE TABLE " + addresses_ + " (customer_id bigint PRIMARY KEY REFERENCES " +
             customers_ + " (id), street text, city text)");
    tx.exec0("INSERT INTO " + addresses_ + " SELECT id, street, city FROM " + customers_);
    tx.commit();
  }
  void TearDown() override {
    pqxx::work tx(conn_);
    tx.exec0("DROP TABLE IF EXISTS " + addresses_);
    tx.exec0("DROP TABLE IF EXISTS " + customers_);
    tx.commit();
  }
  ForeignKeySpec spec() {
    return {customers_,         "id", addresses_, "customer_id", {"street", "city"},
            {"street", "city"}, 3000};
  }
  pqxx::connection conn_{stack_var("PG_CUSTOMERS_DSN")};
  std::string customers_, addresses_;
};

TEST_F(ForeignKeyVerifyTest, ACompleteSplitPasses) {
  auto r = verify_foreign_key(conn_, spec());
  EXPECT_TRUE(r.failures.empty()) << r.failures[0];
  EXPECT_EQ(r.rows_checked, 20000);
}

TEST_F(ForeignKeyVerifyTest, AMissingOrDifferingChildFailsNamingTheKey) {
  pqxx::work tx(conn_);
  tx.exec0("DELETE FROM " + addresses_ + " WHERE customer_id IN (12, 4500)");
  tx.exec0("UPDATE " + addresses_ + " SET city = 'Elsewhere' WHERE customer_id = 40");
  tx.exec0("UPDATE " + addresses_ + " SET street = '' WHERE customer_id = 14");     // was NULL
  tx.exec0("UPDATE " + addresses_ + " SET city = NULL WHERE customer_id = 19998");  // was ''
  tx.commit();
  auto r = verify_foreign_key(conn_, spec());
  ASSERT_EQ(r.failures.size(), 3u) << "three chunks hold bad children";
  const std::string head = "foreign key " + customers_ + ".id -> " + addresses_ + ".customer_id ";
  EXPECT_EQ(r.failures[0], head +
                               "in (0, 3000]: 1 parent rows have no child, first at id = 12; 2 "
                               "children differ from their parent, first at id = 14");
  EXPECT_EQ(r.failures[1],
            head + "in (3000, 6000]: 1 parent rows have no child, first at id = 4500");
  EXPECT_EQ(r.failures[2],
            head + "in (18000, 20000]: 1 children differ from their parent, first at id = 19998");

  // Completeness alone (no columns): only the missing children count.
  auto keys_only = spec();
  keys_only.parent_columns.clear();
  keys_only.child_columns.clear();
  EXPECT_EQ(verify_foreign_key(conn_, keys_only).failures.size(), 2u);
}

}  // namespace
