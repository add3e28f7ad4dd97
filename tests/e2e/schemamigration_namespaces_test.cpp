// The operator watching a list of namespaces, end to end against the real API server and
// PostgreSQL: one schemashift-operator started with --namespace=a,b (what the chart's
// watchNamespaces renders) completes a migration in each of a and b, and leaves one in a third
// namespace c untouched — no status beyond the CRD's default, no finalizer, no write by the
// operator in its managedFields, no event, and no DDL in its table.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "e2e/schemamigration_fixture.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using schemashift::testing::create_orders_table;
using schemashift::testing::kubectl;
using schemashift::testing::orders_migration_manifest;
using schemashift::testing::run_command;
using schemashift::testing::scalar;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::start_operator;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;
using schemashift::testing::write_temp;

constexpr int kRows = 2000;
const std::string kMigration = "add-amount";

// A namespace with the orders database's Secret, and an orders table of its own.
struct Tenant {
  std::string ns, table;
};

class WatchedNamespacesE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto crd = run_command(kubectl("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/"));
    ASSERT_EQ(crd.exit_code, 0) << crd.output;
    for (Tenant* t : {&watched_a_, &watched_b_, &unwatched_}) {
      const std::string suffix = unique_suffix();
      t->ns = "e2e-watch-" + suffix;
      t->table = "e2e_watch_orders_" + suffix;
      auto ns = run_command(kubectl("create namespace " + t->ns));
      ASSERT_EQ(ns.exit_code, 0) << ns.output;
      auto secret = run_command(kubectl("-n " + t->ns +
                                        " create secret generic orders-db --from-literal=dsn=" +
                                        shell_quote(stack_var("PG_ORDERS_DSN"))));
      ASSERT_EQ(secret.exit_code, 0) << secret.output;
      create_orders_table(db_, t->table, kRows);
      created_.push_back(*t);
    }
    operator_ = start_operator(watched_a_.ns + "," + watched_b_.ns);
  }
  void TearDown() override {
    // Delete the migrations while the operator runs, so it lets go of those it holds
    // (finalizer); the unwatched one has none unless the operator wrongly took it.
    for (const auto& t : created_)
      (void)run_command(kubectl("-n " + t.ns + " delete smig --all --timeout=30s"));
    if (operator_) {
      operator_->signal(SIGTERM);
      operator_->wait();
    }
    for (const auto& t : created_) {
      (void)run_command(kubectl("delete namespace " + t.ns + " --wait=false"));
      pqxx::work tx(db_);
      tx.exec0("DROP TABLE IF EXISTS " + t.table);
      tx.commit();
    }
  }

  void apply(const Tenant& t) {
    auto r = run_command(kubectl(
        "apply -f " + write_temp(orders_migration_manifest(t.ns, t.table, kMigration, 500))));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  nlohmann::json migration(const Tenant& t) {
    auto r = run_command(
        kubectl("-n " + t.ns + " get smig " + kMigration + " -o json --show-managed-fields"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return nlohmann::json::parse(r.output, nullptr, /*allow_exceptions=*/false);
  }
  // The managers in metadata.managedFields that are not kubectl: who else wrote the object.
  static std::vector<std::string> writers_other_than_kubectl(const nlohmann::json& obj) {
    std::vector<std::string> out;
    if (!obj.is_object() || !obj.contains("metadata")) return out;
    for (const auto& f : obj["metadata"].value("managedFields", nlohmann::json::array())) {
      const std::string manager = f.value("manager", "");
      if (manager.rfind("kubectl", 0) != 0)
        out.push_back(manager +
                      (f.contains("subresource") ? "/" + f.value("subresource", "") : ""));
    }
    return out;
  }
  std::string column_count(const Tenant& t, const std::string& column) {
    return scalar(db_, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                           t.table + "' AND column_name = '" + column + "'");
  }

  pqxx::connection db_{stack_var("PG_ORDERS_DSN")};
  Tenant watched_a_, watched_b_, unwatched_;
  std::vector<Tenant> created_;
  std::unique_ptr<Subprocess> operator_;
};

TEST_F(WatchedNamespacesE2E, CompletesAMigrationInEachWatchedNamespaceAndTouchesNoneElsewhere) {
  // The unwatched namespace's migration first: it has waited longest when the others finish,
  // so an operator that also watched it would have reconciled it by then.
  apply(unwatched_);
  apply(watched_a_);
  apply(watched_b_);

  for (const Tenant* t : {&watched_a_, &watched_b_}) {
    SCOPED_TRACE(t->ns);
    auto wait = run_command(kubectl("-n " + t->ns + " wait --for=condition=Ready smig/" +
                                    kMigration + " --timeout=30s"));
    ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nmigration: " << migration(*t).dump()
                                 << "\noperator:\n"
                                 << operator_->output();
    const nlohmann::json done = migration(*t);
    ASSERT_TRUE(done.is_object() && done.contains("status")) << done.dump();
    EXPECT_EQ(done["status"].value("phase", ""), "Completed");
    EXPECT_NE(writers_other_than_kubectl(done), std::vector<std::string>{})
        << "the operator's writes show in managedFields";
    EXPECT_EQ(column_count(*t, "amount_cents"), "0") << "contract dropped the old column";
    EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + t->table + " WHERE amount IS NULL"), "0");
    EXPECT_EQ(scalar(db_, "SELECT sum(amount) FROM " + t->table), "20010.00")
        << "sum of 1..2000 / 100";
  }

  SCOPED_TRACE(unwatched_.ns + " (not watched)");
  const nlohmann::json untouched = migration(unwatched_);
  ASSERT_TRUE(untouched.is_object()) << "kubectl get smig did not answer JSON";
  // The CRD defaults status to {observedGeneration: 0} on create (kstatus reads it as not yet
  // observed); anything more is the operator's.
  EXPECT_EQ(untouched.value("status", nlohmann::json()),
            nlohmann::json({{"observedGeneration", 0}}))
      << "a status beyond the API server's default";
  const nlohmann::json meta = untouched.value("metadata", nlohmann::json::object());
  EXPECT_FALSE(meta.contains("finalizers")) << meta.value("finalizers", nlohmann::json()).dump();
  EXPECT_EQ(writers_other_than_kubectl(untouched), std::vector<std::string>{});
  auto events = run_command(
      kubectl("-n " + unwatched_.ns +
              " get events.events.k8s.io -o "
              "jsonpath='{.items[?(@.reportingController==\"schemashift.io/operator\")].reason}'"));
  EXPECT_EQ(events.exit_code, 0) << events.output;
  EXPECT_EQ(events.output, "") << "the operator recorded events there";
  EXPECT_EQ(column_count(unwatched_, "amount"), "0") << "its expand ran: the new column is there";
  ASSERT_EQ(column_count(unwatched_, "amount_cents"), "1") << "its contract ran";
  EXPECT_EQ(scalar(db_, "SELECT sum(amount_cents::bigint) FROM " + unwatched_.table), "2001000")
      << "sum of 1..2000, as it was made";
  EXPECT_EQ(operator_->output().find(unwatched_.ns), std::string::npos)
      << "the operator's log names the unwatched namespace:\n"
      << operator_->output();
}

}  // namespace
