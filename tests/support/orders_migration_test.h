// OrdersMigrationTest: what the e2e tests of the user-facing surfaces (the kubectl plugin,
// GitOps health) start from — a namespace of their own with the orders Secret, a 20,000-row
// orders table, the README's migration to apply (amount_cents -> amount), and the operator
// binary watching that namespace when asked. Header-only: it needs the integration target's
// SCHEMASHIFT_SOURCE_DIR and SCHEMASHIFT_BINARY_DIR.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace schemashift::testing {

class OrdersMigrationTest : public ::testing::Test {
 protected:
  // `prefix` names the namespace and the table, so a failed run's leftovers say whose they are.
  explicit OrdersMigrationTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    ns_ = prefix_ + "-" + unique_suffix();
    table_ = prefix_ + "_orders_" + unique_suffix();
    ASSERT_EQ(run_command(kubectl("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/"))
                  .exit_code,
              0);
    ASSERT_EQ(run_command(kubectl("create namespace " + ns_)).exit_code, 0);
    ASSERT_EQ(
        run_command(kubectl("-n " + ns_ + " create secret generic orders-db --from-literal=dsn=" +
                            shell_quote(stack_var("PG_ORDERS_DSN"))))
            .exit_code,
        0);
    pqxx::work tx(db_);
    tx.exec0("CREATE TABLE " + table_ + " (id bigserial PRIMARY KEY, amount_cents int NOT NULL)");
    tx.exec0("INSERT INTO " + table_ + " (amount_cents) SELECT g FROM generate_series(1, 20000) g");
    tx.exec0("ANALYZE " + table_);
    tx.commit();
  }
  void TearDown() override {
    if (operator_) {
      // Delete the migrations while the operator runs, so it lets go of them (finalizer).
      (void)run_command(kubectl("-n " + ns_ + " delete smig --all --timeout=30s"));
      operator_->signal(SIGTERM);
      operator_->wait();
    }
    (void)run_command(kubectl("delete namespace " + ns_ + " --wait=false"));
    pqxx::work tx(db_);
    tx.exec0("DROP TABLE IF EXISTS " + table_);
    tx.commit();
  }

  void start_operator() {
    operator_ = std::make_unique<Subprocess>(std::vector<std::string>{
        std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator", "--kubeconfig",
        stack_var("KUBECONFIG"), "--namespace", ns_, "--metrics-bind-address", "0",
        "--health-probe-bind-address", "0"});
  }

  // The README's migration on the table, as a manifest; a small `max_batch` makes the backfill
  // slow enough to watch and stop mid-way; `backfill_extra` adds lines to spec.backfill.
  std::string manifest(const std::string& name, const std::string& approval, int max_batch,
                       const std::string& backfill_extra = "") {
    std::ostringstream m;
    m << "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n  name: " << name
      << "\n  namespace: " << ns_ << "\nspec:\n  database:\n    secretRef: {name: orders-db}\n"
      << "  expand:\n    sql: [\"ALTER TABLE " << table_
      << " ADD COLUMN IF NOT EXISTS amount numeric(12,2)\"]\n"
      << "  backfill:\n    table: " << table_
      << "\n    keyColumn: id\n    set: amount = amount_cents / 100.0\n"
      << "    pendingWhere: amount IS NULL\n    minBatch: 10\n    maxBatch: " << max_batch << "\n"
      << backfill_extra << "  contract:\n    sql: [\"ALTER TABLE " << table_
      << " DROP COLUMN amount_cents\"]\n    approval: " << approval << "\n"
      << "  rollback:\n    sql: [\"ALTER TABLE " << table_ << " DROP COLUMN IF EXISTS amount\"]\n";
    return m.str();
  }
  void apply(const std::string& name, const std::string& approval, int max_batch) {
    const std::string path = "/tmp/schemashift-" + prefix_ + "-" + unique_suffix() + ".yaml";
    std::ofstream(path) << manifest(name, approval, max_batch);
    auto r = run_command(kubectl("apply -f " + path));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::string phase(const std::string& name) {
    return run_command(
               kubectl("-n " + ns_ + " get smig " + name + " -o jsonpath='{.status.phase}'"))
        .output;
  }
  std::string condition(const std::string& name, const std::string& type) {
    return run_command(kubectl("-n " + ns_ + " get smig " + name +
                               " -o jsonpath='{.status.conditions[?(@.type==\"" + type +
                               "\")].status}'"))
        .output;
  }
  bool column_exists(const std::string& column) {
    pqxx::nontransaction nt(db_);
    return !nt.exec_params(
                  "SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND "
                  "column_name = $2",
                  table_, column)
                .empty();
  }

  pqxx::connection db_{stack_var("PG_ORDERS_DSN")};
  std::string prefix_, ns_, table_;
  std::unique_ptr<Subprocess> operator_;
};

}  // namespace schemashift::testing
