// Scenario 5's shape on the real services: customers' first_name becomes given_name across the
// database and the API, driven by one SchemaMigration (expand, dual-write by the
// customers.given_name flag, backfill, verify, read-new, contract dropping first_name), while
// v1 and v2 clients call the customers Service at a steady rate, writing and reading back.
// The verdicts come from outside the operator: every answer's shape and name (the load's own
// ledger), the rows in the database at the end against that ledger, a checksum of the seeded
// names the test takes before the migration, and the flag acknowledgements of every pod.
#include <iostream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/customers_load.h"
#include "e2e/services_shop.h"
#include "e2e/shop_migration.h"
#include "support/helpers.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::CustomersLoad;
using schemashift::testing::scalar;
using schemashift::testing::Shop;
using schemashift::testing::ShopOperator;

constexpr int kSeeded = 30000;  // a backfill of some seconds, under the load

std::string rename_manifest(const std::string& ns) {
  const std::string db = "{secretRef: {name: " + ShopOperator::secret("customers") + ", key: dsn}}";
  return "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n"
         "  name: rename-given-name\n  namespace: " +
         ns + "\nspec:\n  database: " + db +
         "\n  targets:\n"
         "  - service: customers\n    deployment: customers\n    flagKey: customers.given_name\n"
         "    roles: [writer, reader]\n    database: " +
         db +
         "\n  expand:\n"
         "    sql: [\"ALTER TABLE customers ADD COLUMN IF NOT EXISTS given_name text\"]\n"
         "  backfill:\n    table: customers\n    keyColumn: id\n    set: given_name = first_name\n"
         "    pendingWhere: given_name IS NULL\n    targetBatchDuration: 50ms\n"
         "    minBatch: 50\n    maxBatch: 200\n"
         "  verify:\n    checks:\n    - name: names-match\n"
         "      sql: SELECT count(*) FROM customers WHERE given_name IS DISTINCT FROM first_name\n"
         "      expect: \"0\"\n"
         "    checksums:\n"
         "    - {name: names, table: customers, keyColumn: id, old: first_name, new: given_name}\n"
         "  contract:\n    sql: [\"ALTER TABLE customers DROP COLUMN first_name\"]\n"
         "    approval: Auto\n"
         "  rollback:\n    sql: [\"ALTER TABLE customers DROP COLUMN IF EXISTS given_name\"]\n";
}

// md5 over the seeded customers' names in `column`, in id order: the test's own checksum.
std::string seeded_names_md5(pqxx::connection& c, const std::string& column) {
  return scalar(c, "SELECT md5(string_agg(id || ':' || " + column +
                       ", ',' ORDER BY id)) FROM customers WHERE email = 'seed@example.org'");
}

TEST(ServicesMigration, ARenameAcrossDatabaseAndApiKeepsV1AndV2ClientsAnsweredThroughout) {
  const auto started = std::chrono::steady_clock::now();
  Shop shop;
  auto installed = shop.install("customers", "--set replicaCount=2");
  ASSERT_EQ(installed.exit_code, 0) << installed.output << shop.describe("customers");
  pqxx::connection db(shop.db("customers").dsn());
  {
    pqxx::work tx(db);
    tx.exec0(
        "INSERT INTO customers (first_name, last_name, email, country) "
        "SELECT 'seed-' || g, 'Seed', 'seed@example.org', 'DE' "
        "FROM generate_series(1, " +
        std::to_string(kSeeded) + ") g");
    tx.exec0("ANALYZE customers");
    tx.commit();
  }
  const auto seeded_md5 = seeded_names_md5(db, "first_name");
  ShopOperator op(shop);

  CustomersLoad load(shop.url("customers"),
                     {{"web-v1", "v1"}, {"batch-v1", "v1"}, {"app-v2", "v2"}, {"partner-v2", "v2"}},
                     100ms);
  std::this_thread::sleep_for(2s);  // answers in the old shape before anything moves
  op.apply(rename_manifest(shop.ns()));
  const bool completed = op.wait_phase("rename-given-name", "Completed", 240s);
  std::this_thread::sleep_for(3s);  // and after the contract
  load.stop();
  ASSERT_TRUE(completed) << op.describe("rename-given-name") << shop.describe("customers");

  // Every answer, from first to last, in its version's shape with the acknowledged name.
  int requests = 0;
  for (const auto& [client, t] : load.tallies()) {
    EXPECT_EQ(t.errors, 0) << client;
    EXPECT_EQ(t.wrong_shape, 0) << client;
    EXPECT_EQ(t.wrong_name, 0) << client;
    EXPECT_GT(t.requests, 50) << client;
    requests += t.requests;
  }
  std::string problems;
  for (const auto& p : load.problems()) problems += p + "\n";
  EXPECT_TRUE(problems.empty()) << problems;

  // The database after the contract: first_name gone, every acknowledged write there with
  // its name in given_name, the seeded names carried over unchanged.
  EXPECT_EQ(scalar(db,
                   "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                   "'customers' AND column_name = 'first_name'"),
            "0");
  EXPECT_GT(load.writes_acknowledged(), 100);
  const auto lost = schemashift::testing::customers_ledger_problems(shop.db("customers").dsn(),
                                                                    load.ledger(), "given_name");
  EXPECT_TRUE(lost.empty()) << lost;
  EXPECT_EQ(seeded_names_md5(db, "given_name"), seeded_md5);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM customers WHERE given_name IS NULL"), "0");

  // Every pod of the Deployment acknowledged `new` in the customers database.
  const auto pods = shop.ready_pods("customers");
  ASSERT_EQ(pods.size(), 2u);
  for (const auto& pod : pods) {
    EXPECT_EQ(scalar(db,
                     "SELECT value FROM schemashift.flag_acks WHERE key = "
                     "'customers.given_name' AND instance = '" +
                         pod + "'"),
              "new")
        << pod;
  }
  // And the status says so, per target.
  const auto status = op.get("rename-given-name")["status"];
  ASSERT_TRUE(status.contains("targets")) << status.dump(2);
  ASSERT_EQ(status["targets"].size(), 1u) << status.dump(2);
  EXPECT_EQ(status["targets"][0].value("service", ""), "customers");
  EXPECT_EQ(status["targets"][0].value("mode", ""), "new") << status.dump(2);
  EXPECT_EQ(status["targets"][0].value("acknowledged", ""), "new") << status.dump(2);
  std::cout << "[ measured ] " << requests << " requests, " << load.writes_acknowledged()
            << " acknowledged writes; "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s in all\n";
}

}  // namespace
