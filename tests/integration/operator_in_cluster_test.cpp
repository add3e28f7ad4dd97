// The operator as a cluster runs it: a pod on the real node from the image `make images`
// builds, with its own ServiceAccount token, in-cluster configuration and namespaced RBAC
// (tests/fixtures/operator/in-cluster.yaml). It completes the README's migration against
// PostgreSQL reached at the bridge address; the test checks the data itself with libpqxx.
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"

#ifndef SCHEMASHIFT_SOURCE_DIR
#error "SCHEMASHIFT_SOURCE_DIR must point at the checkout"
#endif

namespace {

using schemashift::testing::CommandResult;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::scalar;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

CommandResult kc(const std::string& args) { return run_command(kubectl(args)); }

CommandResult apply(const std::string& yaml) {
  return run_command("printf '%s' " + shell_quote(yaml) + " | " + kubectl("apply -f -"));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(OperatorInCluster, CompletesTheReadmeMigrationFromItsPod) {
  const std::string ns = "op-pod-" + unique_suffix();
  const std::string table = "incluster_orders_" + unique_suffix();
  const int rows = 20000;
  pqxx::connection db(stack_var("PG_ORDERS_DSN"));
  {
    pqxx::work tx(db);
    tx.exec0("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, amount_cents int NOT NULL)");
    tx.exec0("INSERT INTO " + table + " (amount_cents) SELECT g FROM generate_series(1, " +
             std::to_string(rows) + ") g");
    tx.commit();
  }
  const std::string cents_before = scalar(db, "SELECT sum(amount_cents) FROM " + table);

  auto crd = kc("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/");
  ASSERT_EQ(crd.exit_code, 0) << crd.output;
  ASSERT_EQ(kc("create namespace " + ns).exit_code, 0);
  const std::string manifest = std::regex_replace(
      read_text(std::string(SCHEMASHIFT_SOURCE_DIR) + "/tests/fixtures/operator/in-cluster.yaml"),
      std::regex("NAMESPACE"), ns);
  auto deployed = apply(manifest);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  // The pod's DSN names the bridge address: what a pod reaches, never the host's loopback.
  const std::string dsn = stack_var("PG_ORDERS_DSN_INCLUSTER");
  ASSERT_NE(dsn.find("@" + stack_var("NODE_BRIDGE_IP") + ":"), std::string::npos) << dsn;
  auto secret =
      kc("-n " + ns + " create secret generic orders-db --from-literal=dsn=" + shell_quote(dsn));
  ASSERT_EQ(secret.exit_code, 0) << secret.output;
  auto ready = kc("-n " + ns +
                  " wait --for=condition=Available deployment/schemashift-operator --timeout=90s");
  ASSERT_EQ(ready.exit_code, 0) << ready.output << kc("-n " + ns + " get pods -o wide").output
                                << kc("-n " + ns + " logs deployment/schemashift-operator").output;

  auto smig = apply(
      "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\n"
      "metadata: {name: orders-amount, namespace: " +
      ns +
      "}\nspec:\n  database: {secretRef: {name: orders-db}}\n"
      "  expand: {sql: [\"ALTER TABLE " +
      table +
      " ADD COLUMN IF NOT EXISTS amount numeric(12,2)\"]}\n"
      "  backfill: {table: " +
      table +
      ", keyColumn: id, set: \"amount = amount_cents / 100.0\", pendingWhere: "
      "\"amount IS NULL\"}\n  verify:\n    checks: [{name: amounts-match, sql: "
      "\"SELECT count(*) FROM " +
      table +
      " WHERE amount * 100 IS DISTINCT FROM amount_cents\", expect: \"0\"}]\n"
      "  contract: {sql: [\"ALTER TABLE " +
      table +
      " DROP COLUMN amount_cents\"], approval: Manual}\n"
      "  rollback: {sql: [\"ALTER TABLE " +
      table + " DROP COLUMN IF EXISTS amount\"]}\n");
  ASSERT_EQ(smig.exit_code, 0) << smig.output;
  auto awaiting =
      kc("-n " + ns + " wait --for=condition=AwaitingApproval smig/orders-amount --timeout=120s");
  ASSERT_EQ(awaiting.exit_code, 0)
      << awaiting.output << kc("-n " + ns + " get smig orders-amount -o yaml").output
      << kc("-n " + ns + " logs deployment/schemashift-operator").output;
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM " + table + " WHERE amount IS NULL"), "0")
      << "backfilled before contract";
  ASSERT_EQ(kc("-n " + ns + " annotate smig/orders-amount schemashift.io/approve=true").exit_code,
            0);
  auto done = kc("-n " + ns + " wait --for=condition=Ready smig/orders-amount --timeout=120s");
  ASSERT_EQ(done.exit_code, 0) << done.output
                               << kc("-n " + ns + " get smig orders-amount -o yaml").output
                               << kc("-n " + ns + " logs deployment/schemashift-operator").output;

  // The data, judged by the test: old column gone, every row carried over exactly.
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                           table + "' AND column_name = 'amount_cents'"),
            "0");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM " + table), std::to_string(rows));
  EXPECT_EQ(scalar(db, "SELECT (sum(amount) * 100)::bigint FROM " + table), cents_before);

  // It ran in the pod, as the ServiceAccount, through the in-cluster configuration.
  auto logs = kc("-n " + ns + " logs deployment/schemashift-operator");
  EXPECT_NE(logs.output.find("(in-cluster service account)"), std::string::npos) << logs.output;
  auto pod = nlohmann::json::parse(
      kc("-n " + ns + " get pods -l app.kubernetes.io/name=schemashift-operator -o json").output);
  ASSERT_EQ(pod["items"].size(), 1u);
  EXPECT_EQ(pod["items"][0]["spec"].value("serviceAccountName", ""), "schemashift-operator");
  EXPECT_EQ(pod["items"][0]["spec"].value("nodeName", ""), stack_var("NODE_NAME"));
  // The pod has its address on the bridge /24.
  const std::string pod_ip = pod["items"][0]["status"].value("podIP", "");
  EXPECT_EQ(pod_ip.rfind("10.0.2.", 0), 0u) << pod_ip;

  (void)kc("-n " + ns + " delete smig --all --timeout=30s");
  (void)kc("delete namespace " + ns + " --wait=false");
  pqxx::work tx(db);
  tx.exec0("DROP TABLE IF EXISTS " + table);
  tx.commit();
}

}  // namespace
