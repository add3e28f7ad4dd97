// The SchemaMigration end-to-end fixture: a namespace of its own with the orders database's
// Secret, a table of orders made on demand, a migration manifest in the README's shape, and the
// real operator binary watching the namespace. The tests using it are split by concern:
// schemamigration_test (the lifecycle, crashes, conflicts), schemamigration_gates_test (gates
// and verification), schemamigration_input_test (what is refused, and how it is said);
// schemamigration_namespaces_test uses its free functions for one operator over several.
#pragma once

#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace schemashift::testing {

inline std::string write_temp(const std::string& text) {
  const std::string path = "/tmp/schemashift-e2e-" + unique_suffix() + ".yaml";
  std::ofstream(path) << text;
  return path;
}

// The orders table the fixture's migration reshapes: `rows` orders of 1..rows cents.
inline void create_orders_table(pqxx::connection& db, const std::string& table, int rows) {
  pqxx::work tx(db);
  tx.exec0("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, amount_cents int NOT NULL)");
  tx.exec0("INSERT INTO " + table + " (amount_cents) SELECT g FROM generate_series(1, " +
           std::to_string(rows) + ") g");
  tx.exec("ANALYZE " + table);
  tx.commit();
}

// The README's migration (amount_cents -> amount) on `table`, named `name` in namespace `ns`,
// reading its database from that namespace's Secret orders-db.
inline std::string orders_migration_manifest(const std::string& ns, const std::string& table,
                                             const std::string& name, int max_batch,
                                             const std::string& extra_spec = "") {
  return "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n  name: " + name +
         "\n  namespace: " + ns +
         "\nspec:\n  database:\n    secretRef: {name: orders-db}\n"
         "  expand:\n    sql: [\"ALTER TABLE " +
         table +
         " ADD COLUMN IF NOT EXISTS amount numeric(12,2)\"]\n"
         "  backfill:\n    table: " +
         table +
         "\n    keyColumn: id\n    set: amount = amount_cents / 100.0\n"
         "    pendingWhere: amount IS NULL\n    targetBatchDuration: 50ms\n    minBatch: 10\n    "
         "maxBatch: " +
         std::to_string(max_batch) +
         "\n  verify:\n    checks:\n    - name: amounts-match\n      sql: SELECT count(*) FROM " +
         table +
         " WHERE amount * 100 IS DISTINCT FROM amount_cents\n      expect: \"0\"\n"
         "    checksums:\n    - {name: cents, table: " +
         table +
         ", keyColumn: id, old: amount_cents, new: \"(amount * 100)::int\"}\n"
         "  contract:\n    sql: [\"ALTER TABLE " +
         table +
         " DROP COLUMN amount_cents\"]\n    approval: Auto\n"
         "  rollback:\n    sql: [\"ALTER TABLE " +
         table + " DROP COLUMN IF EXISTS amount\"]\n" + extra_spec;
}

// The real operator binary against the stack's API server, watching `namespace_flag` (given as
// --namespace=VALUE: one name, or a comma-separated list), its HTTP endpoints on free ports.
inline std::unique_ptr<Subprocess> start_operator(const std::string& namespace_flag) {
  return std::make_unique<Subprocess>(std::vector<std::string>{
      std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator", "--kubeconfig",
      stack_var("KUBECONFIG"), "--namespace=" + namespace_flag, "--metrics-bind-address", "0",
      "--health-probe-bind-address", "0"});
}

class SchemaMigrationE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = "e2e-" + unique_suffix();
    table_ = "e2e_orders_" + unique_suffix();
    auto crd = run_command(kubectl("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/"));
    ASSERT_EQ(crd.exit_code, 0) << crd.output;
    ASSERT_EQ(run_command(kubectl("create namespace " + ns_)).exit_code, 0);
    auto secret =
        run_command(kubectl("-n " + ns_ + " create secret generic orders-db --from-literal=dsn=" +
                            shell_quote(stack_var("PG_ORDERS_DSN"))));
    ASSERT_EQ(secret.exit_code, 0) << secret.output;
    operator_ = start_operator(ns_);
  }
  void TearDown() override {
    // Delete the migrations while the operator runs, so it lets go of them (finalizer).
    (void)run_command(kubectl("-n " + ns_ + " delete smig --all --timeout=30s"));
    operator_->signal(SIGTERM);
    operator_->wait();
    (void)run_command(kubectl("delete namespace " + ns_ + " --wait=false"));
    pqxx::work tx(db_);
    tx.exec0("DROP TABLE IF EXISTS " + table_);
    tx.commit();
  }
  void make_orders(int rows) { create_orders_table(db_, table_, rows); }
  std::string manifest(const std::string& name, int max_batch, const std::string& extra_spec = "") {
    return orders_migration_manifest(ns_, table_, name, max_batch, extra_spec);
  }
  std::string phase(const std::string& name) {
    return run_command(
               kubectl("-n " + ns_ + " get smig " + name + " -o jsonpath='{.status.phase}'"))
        .output;
  }

  pqxx::connection db_{stack_var("PG_ORDERS_DSN")};
  std::string ns_, table_;
  std::unique_ptr<Subprocess> operator_;
};

}  // namespace schemashift::testing
