// The control for scenario 5's test: the same customers load (services_rename_test.cpp), with
// the naive change instead of the migration — `RENAME COLUMN first_name TO given_name` under
// the clients. Every old query fails at once, and the load's ledger says so: the verdicts of
// the safe test are able to see a broken rename.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/customers_load.h"
#include "e2e/services_shop.h"

namespace {

using namespace std::chrono_literals;

TEST(ServicesMigration, TheNaiveRenameUnderTheSameLoadFailsBothVersionsClients) {
  schemashift::testing::Shop shop;
  auto installed = shop.install("customers", "--set replicaCount=2");
  ASSERT_EQ(installed.exit_code, 0) << installed.output << shop.describe("customers");
  schemashift::testing::CustomersLoad load(shop.url("customers"),
                                           {{"web-v1", "v1"}, {"app-v2", "v2"}}, 100ms);
  std::this_thread::sleep_for(2s);
  const auto before = load.tallies();
  {
    pqxx::connection db(shop.db("customers").dsn());
    pqxx::work tx(db);
    tx.exec0("ALTER TABLE customers RENAME COLUMN first_name TO given_name");
    tx.commit();
  }
  std::this_thread::sleep_for(3s);
  load.stop();
  for (const auto& [client, t] : before) EXPECT_EQ(t.errors, 0) << client << " before the change";
  for (const auto& [client, t] : load.tallies()) EXPECT_GT(t.errors, 10) << client;
}

}  // namespace
