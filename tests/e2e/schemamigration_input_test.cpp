// What a SchemaMigration refuses, and how it says it: invalid manifests by the API server with
// field paths, names that cannot be identifiers, a hostile backfill `set`, cross-field rules and
// steps frozen once started, and a database that cannot be reached named in the status without
// its password, whatever form its connection string takes.
#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>

#include "e2e/schemamigration_fixture.h"
#include "support/helpers.h"
#include "support/http_endpoint.h"
#include "support/process.h"
#include "support/scratch_database.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::eventually;
using schemashift::testing::HttpEndpoint;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::scalar;
using schemashift::testing::SchemaMigrationE2E;
using schemashift::testing::ScratchDatabase;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;
using schemashift::testing::write_temp;

TEST_F(SchemaMigrationE2E, InvalidManifestsAreRefusedWithFieldPaths) {
  const std::string bad_identifier =
      "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: bad, "
      "namespace: " +
      ns_ +
      "}\nspec:\n  database: {secretRef: {name: orders-db}}\n  backfill: {table: orders, "
      "keyColumn: \"Id; DROP TABLE x\", set: \"a = b\"}\n";
  auto r1 = run_command(kubectl("apply -f " + write_temp(bad_identifier)));
  EXPECT_NE(r1.exit_code, 0);
  EXPECT_NE(r1.output.find("spec.backfill.keyColumn"), std::string::npos) << r1.output;
  const std::string no_database =
      "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: bad2, "
      "namespace: " +
      ns_ + "}\nspec:\n  expand: {sql: [\"SELECT 1\"]}\n";
  auto r2 = run_command(kubectl("apply -f " + write_temp(no_database)));
  EXPECT_NE(r2.exit_code, 0);
  EXPECT_NE(r2.output.find("spec.database"), std::string::npos) << r2.output;
  EXPECT_NE(r2.output.find("the SQL steps run there"), std::string::npos) << r2.output;
  // Without SQL steps spec.database may go, but every target then names its own database.
  const std::string target_without_database =
      "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: bad3, "
      "namespace: " +
      ns_ +
      "}\nspec:\n  targets:\n  - {service: customers, deployment: customers, flagKey: "
      "customers.v1_lifecycle, roles: [reader]}\n";
  auto r3 = run_command(kubectl("apply -f " + write_temp(target_without_database)));
  EXPECT_NE(r3.exit_code, 0);
  EXPECT_NE(r3.output.find("spec.database is required unless every target names its own"),
            std::string::npos)
      << r3.output;
  const std::string bad_role =
      "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: bad4, "
      "namespace: " +
      ns_ +
      "}\nspec:\n  targets:\n  - {service: customers, deployment: customers, flagKey: k, "
      "roles: [publisher], database: {secretRef: {name: customers-db}}}\n";
  auto r4 = run_command(kubectl("apply -f " + write_temp(bad_role)));
  EXPECT_NE(r4.exit_code, 0);
  EXPECT_NE(r4.output.find("spec.targets[0].roles[0]"), std::string::npos) << r4.output;
}

TEST_F(SchemaMigrationE2E, ANameThatCannotBeAnIdentifierIsRefusedByTheApiServer) {
  for (const std::string& table : {std::string(64, 'a'), std::string("\"a\\u0000b\""),
                                   std::string("'orders; DROP TABLE x'")}) {
    auto r = run_command(kubectl(
        "apply -f " + write_temp("apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\n"
                                 "metadata: {name: badname, namespace: " +
                                 ns_ +
                                 "}\nspec:\n  database: {secretRef: {name: orders-db}}\n"
                                 "  backfill: {table: " +
                                 table + ", keyColumn: id, set: \"a = 1\"}\n")));
    EXPECT_NE(r.exit_code, 0) << table;
    EXPECT_NE(r.output.find("spec.backfill.table"), std::string::npos) << r.output;
  }
}

TEST_F(SchemaMigrationE2E, AHostileSetIsRefusedByFieldAndTouchesNothing) {
  make_orders(2000);
  std::string m = manifest("hostile", 500);
  m.replace(m.find("set: amount = amount_cents / 100.0"),
            std::string("set: amount = amount_cents / 100.0").size(),
            "set: \"amount = amount_cents / 100.0 --\"");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(m))).exit_code, 0)
      << "the API server cannot parse SQL; the operator does";
  auto wait = run_command(
      kubectl("-n " + ns_ + " wait --for=condition=Stalled smig/hostile --timeout=60s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\noperator:\n" << operator_->output();
  auto message = run_command(kubectl("-n " + ns_ +
                                     " get smig hostile -o jsonpath='{.status.conditions[?(@.type"
                                     "==\"Stalled\")].message}'"))
                     .output;
  EXPECT_NE(message.find("spec.backfill.set: changes the shape"), std::string::npos) << message;
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                            table_ + "' AND column_name = 'amount'"),
            "0")
      << "not even expand ran";
}

TEST_F(SchemaMigrationE2E, CrossFieldRulesAndStepsFrozenAfterStartAreEnforcedByTheApiServer) {
  const std::string head =
      "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: frozen, "
      "namespace: " +
      ns_ + "}\nspec:\n  database: {secretRef: {name: orders-db}}\n";
  auto no_rollback = run_command(kubectl(
      "apply -f " + write_temp(head + "  expand: {sql: [\"ALTER TABLE t ADD COLUMN c int\"]}\n")));
  EXPECT_NE(no_rollback.exit_code, 0);
  EXPECT_NE(no_rollback.output.find("spec.rollback.sql is required when spec.expand.sql is given"),
            std::string::npos)
      << no_rollback.output;
  const std::string steps =
      "  expand: {sql: [\"ALTER TABLE t ADD COLUMN c int\"]}\n"
      "  rollback: {sql: [\"ALTER TABLE t DROP COLUMN IF EXISTS c\"]}\n";
  auto bad_batch = run_command(kubectl(
      "apply -f " +
      write_temp(
          head + steps +
          "  backfill: {table: t, keyColumn: id, set: \"c = 1\", minBatch: 500, maxBatch: 10}\n")));
  EXPECT_NE(bad_batch.exit_code, 0);
  EXPECT_NE(bad_batch.output.find("spec.backfill.minBatch"), std::string::npos) << bad_batch.output;

  // Started (the operator is not watching this one: it has no table; set the phase directly).
  operator_->signal(SIGTERM);
  operator_->wait();
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(head + steps))).exit_code, 0);
  auto patched = run_command(kubectl("-n " + ns_ +
                                     " patch smig frozen --subresource=status --type=merge -p "
                                     "'{\"status\":{\"phase\":\"Backfilling\"}}'"));
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  std::string changed = head + steps;
  changed.replace(changed.find("ADD COLUMN c int"), std::string("ADD COLUMN c int").size(),
                  "ADD COLUMN c bigint");
  auto refused = run_command(kubectl("apply -f " + write_temp(changed)));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("cannot change once the migration has started (phase Backfilling)"),
            std::string::npos)
      << refused.output;
  auto paused =
      run_command(kubectl("-n " + ns_ + " annotate smig frozen schemashift.io/paused=true"));
  EXPECT_EQ(paused.exit_code, 0) << "controls stay changeable: " << paused.output;
  (void)run_command(kubectl(
      "-n " + ns_ + " patch smig frozen --type=merge -p '{\"metadata\":{\"finalizers\":null}}'"));
  operator_ = std::make_unique<Subprocess>(
      std::vector<std::string>{std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator",
                               "--kubeconfig", stack_var("KUBECONFIG"), "--namespace", ns_,
                               "--metrics-bind-address", "0", "--health-probe-bind-address", "0"});
}

// Every form a user may paste into the Secret, with one distinctive password, against a
// database that cannot be reached (or a string that cannot be read): each migration says what
// is wrong, and the password is nowhere: not in status (lastError, conditions), not in Events,
// not in the operator's log.
TEST_F(SchemaMigrationE2E, EveryConnectionStringFormIsNamedWithoutItsPassword) {
  const std::string pw = "Xq9-n0t-a-real-pw-77";
  struct Form {
    std::string dsn, says;
  };
  const std::string reached = "host=127.0.0.1 port=1 dbname=orders user=app";
  const std::vector<Form> forms = {
      {"postgresql://app:" + pw + "@127.0.0.1:1/orders", "database unreachable"},
      {"POSTGRESQL://app:" + pw + "@127.0.0.1:1/orders", "database unreachable"},
      {"PostgreS://app:" + pw + "@127.0.0.1:1/orders", "database unreachable"},
      {"postgresql://127.0.0.1:1/orders?user=app&password=" + pw, "database unreachable"},
      {"host=127.0.0.1 port=1 dbname=orders user=app password=" + pw, "database unreachable"},
      {"host=127.0.0.1 port=1 dbname=orders user=app password='" + pw + " x'",
       "database unreachable"},
      {"jdbc:postgresql://127.0.0.1:1/orders?user=app&password=" + pw, "database unreachable"},
      {"jdbc:postgresql://127.0.0.1:1/orders?user=app&password=" + pw + "&loggerLevel=DEBUG",
       "loggerLevel"},
      {"Server=127.0.0.1;Port=1;Database=orders;User Id=app;Password=" + pw + ";", "ADO.NET"},
      {pw, "cannot parse"},
      {"postgresql://app:" + pw + "@[::1:1/orders", "cannot parse"},
      {"host=127.0.0.1 password='" + pw, "cannot parse"},
      {"", "is empty"},
      {"host=127.0.0.1 port=1 password=" + pw + "\xff\xfe", "not valid UTF-8"},
      {"postgresql://app:" + pw + "@no-such-host.invalid/orders", "database unreachable"},
  };
  make_orders(10);
  for (std::size_t i = 0; i < forms.size(); ++i) {
    const std::string file = "/tmp/schemashift-e2e-dsn-" + unique_suffix();
    std::ofstream(file, std::ios::binary) << forms[i].dsn;
    auto secret = run_command(kubectl("-n " + ns_ + " create secret generic dsn-" +
                                      std::to_string(i) + " --from-file=dsn=" + file));
    std::remove(file.c_str());
    ASSERT_EQ(secret.exit_code, 0) << secret.output;
    std::string m = manifest("form-" + std::to_string(i), 1000);
    m.replace(m.find("name: orders-db"), std::string("name: orders-db").size(),
              "name: dsn-" + std::to_string(i));
    ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(m))).exit_code, 0);
  }
  auto message = [&](std::size_t i) {
    return run_command(kubectl("-n " + ns_ + " get smig form-" + std::to_string(i) +
                               " -o jsonpath='{.status.conditions[?(@.type==\"Reconciling\")]"
                               ".message}'"))
        .output;
  };
  for (std::size_t i = 0; i < forms.size(); ++i) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline &&
           (got = message(i)).find(forms[i].says) == std::string::npos) {
      std::this_thread::sleep_for(200ms);
    }
    EXPECT_NE(got.find(forms[i].says), std::string::npos) << "form " << i << ": " << got;
    if (forms[i].says == "database unreachable" && i != forms.size() - 1) {
      EXPECT_NE(got.find(reached), std::string::npos) << "form " << i << ": " << got;
    }
  }
  // A moment for the retries' log lines and events.
  std::this_thread::sleep_for(1s);
  const std::string everything =
      run_command(kubectl("-n " + ns_ + " get smig -o json")).output +
      run_command(kubectl("-n " + ns_ + " get events -o json")).output +
      run_command(kubectl("-n " + ns_ + " get events.events.k8s.io -o json")).output;
  EXPECT_NE(everything.find("database unreachable"), std::string::npos) << "nothing was read";
  EXPECT_EQ(everything.find(pw), std::string::npos)
      << "the password leaked into status or events: "
      << everything.substr(everything.find(pw) > 200 ? everything.find(pw) - 200 : 0, 400);
  const std::string log = operator_->output();
  EXPECT_EQ(log.find(pw), std::string::npos)
      << "the password leaked into the log: "
      << log.substr(log.find(pw) > 200 ? log.find(pw) - 200 : 0, 400);
}

// A finished migration (Completed, RolledBack, Failed) keeps no connection and no advisory lock:
// the database itself says so (pg_stat_activity, pg_locks), for a role and database of its own.

}  // namespace
