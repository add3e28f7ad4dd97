// The control for scenario 5's test: the same customers load (services_rename_test.cpp), with
// the naive change instead of the migration — `RENAME COLUMN first_name TO given_name` under
// the clients. Every old query fails at once, and the load's ledger says so: the verdicts of
// the safe test are able to see a broken rename.
#include <chrono>
#include <map>
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
  // Counting starts once both clients have had two clean seconds: on a loaded machine the
  // first answers after the install can fail (once, 4 per client in the first 2 s), and this
  // test is about what the rename breaks, not the install.
  std::map<std::string, schemashift::testing::CustomersLoad::Tally> before;
  bool settled = false;
  for (int i = 0; i < 15 && !settled; ++i) {
    const auto start = load.tallies();
    std::this_thread::sleep_for(2s);
    before = load.tallies();
    settled = before.size() == 2;
    for (const auto& [client, t] : before) {
      const auto was = start.find(client);
      const int errors_then = was == start.end() ? 0 : was->second.errors;
      const int requests_then = was == start.end() ? 0 : was->second.requests;
      settled = settled && t.errors == errors_then && t.requests > requests_then;
    }
  }
  ASSERT_TRUE(settled) << "the clients never had two clean seconds before the change";
  {
    pqxx::connection db(shop.db("customers").dsn());
    pqxx::work tx(db);
    tx.exec0("ALTER TABLE customers RENAME COLUMN first_name TO given_name");
    tx.commit();
  }
  std::this_thread::sleep_for(3s);
  load.stop();
  for (const auto& [client, t] : load.tallies())
    EXPECT_GT(t.errors - before[client].errors, 10) << client << " after the change";
}

}  // namespace
