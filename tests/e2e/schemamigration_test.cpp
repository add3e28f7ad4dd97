// SchemaMigration end to end, as a user drives it: kubectl apply of a migration against the
// real operator binary, kubectl wait for Ready, kubectl get smig; an abort annotation during
// the backfill rolls back; SIGKILLs and a second operator repeat and lose nothing; a second
// migration on a held table and SQL that drifted from what was applied are refused; a finished
// migration keeps no connection or lock. (Gates: schemamigration_gates_test; refused input:
// schemamigration_input_test.)
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

TEST_F(SchemaMigrationE2E, ApplyReachesCompletedAndTheDataIsRight) {
  make_orders(1000000);
  auto apply = run_command(kubectl("apply -f " + write_temp(manifest("add-amount", 50000))));
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  auto wait = run_command(
      kubectl("-n " + ns_ + " wait --for=condition=Ready smig/add-amount --timeout=300s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("add-amount")
                               << "\noperator:\n"
                               << operator_->output();
  EXPECT_EQ(phase("add-amount"), "Completed");
  auto get = run_command(kubectl("-n " + ns_ + " get smig"));
  EXPECT_NE(get.output.find("PHASE"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("PROGRESS"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("Completed"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("100%"), std::string::npos) << get.output;

  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                            table_ + "' AND column_name = 'amount_cents'"),
            "0")
      << "contract dropped the old column";
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE amount IS NULL"), "0");
  EXPECT_EQ(scalar(db_, "SELECT sum(amount) FROM " + table_), "5000005000.00")
      << "sum of 1..1000000 / 100";
  auto events = run_command(
      kubectl("-n " + ns_ + " get events.events.k8s.io -o jsonpath='{.items[*].reason}'"));
  for (const char* reason :
       {"PlanAccepted", "Expanded", "BackfillComplete", "Verified", "Completed"}) {
    EXPECT_NE(events.output.find(reason), std::string::npos) << reason << ": " << events.output;
  }
}

TEST_F(SchemaMigrationE2E, AbortDuringBackfillRollsBackAndKeepsTheOldData) {
  make_orders(300000);
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(manifest("slow", 200)))).exit_code, 0);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && phase("slow") != "Backfilling")
    std::this_thread::sleep_for(100ms);
  ASSERT_EQ(phase("slow"), "Backfilling") << operator_->output();
  auto annotate =
      run_command(kubectl("-n " + ns_ + " annotate smig/slow schemashift.io/abort=true"));
  ASSERT_EQ(annotate.exit_code, 0) << annotate.output;
  auto wait = run_command(kubectl(
      "-n " + ns_ + " wait --for=jsonpath='{.status.phase}'=RolledBack smig/slow --timeout=60s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("slow");
  auto stalled = run_command(
      kubectl("-n " + ns_ +
              " get smig slow -o jsonpath='{.status.conditions[?(@.type==\"Stalled\")].message}'"));
  EXPECT_NE(stalled.output.find("Aborted"), std::string::npos) << stalled.output;
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                            table_ + "' AND column_name = 'amount'"),
            "0")
      << "the new column is gone";
  EXPECT_EQ(scalar(db_, "SELECT sum(amount_cents::bigint) FROM " + table_), "45000150000")
      << "old data intact";
}

TEST_F(SchemaMigrationE2E, SigkillAtTenPointsDuringBackfillLosesAndRepeatsNothing) {
  make_orders(1000000);
  {
    pqxx::work tx(db_);
    tx.exec0("ALTER TABLE " + table_ + " ADD COLUMN touched int NOT NULL DEFAULT 0");
    tx.commit();
  }
  std::string m = manifest("crashy", 2000);
  m.replace(m.find("set: amount = amount_cents / 100.0"),
            std::string("set: amount = amount_cents / 100.0").size(),
            "set: \"amount = amount_cents / 100.0, touched = touched + 1\"");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(m))).exit_code, 0);
  std::mt19937 rng{std::random_device{}()};
  int kills = 0;
  for (int i = 0; i < 10; ++i) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && phase("crashy") != "Backfilling" &&
           phase("crashy") != "Completed") {
      std::this_thread::sleep_for(20ms);
    }
    if (phase("crashy") != "Backfilling") break;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 600)(rng)));
    operator_->signal(SIGKILL);
    operator_->wait();
    ++kills;
    operator_ = std::make_unique<Subprocess>(std::vector<std::string>{
        std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator", "--kubeconfig",
        stack_var("KUBECONFIG"), "--namespace", ns_, "--metrics-bind-address", "0",
        "--health-probe-bind-address", "0"});
  }
  auto wait =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/crashy --timeout=300s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("crashy") << "\n"
                               << operator_->output();
  std::printf("SIGKILLed the operator %d times during the backfill\n", kills);
  RecordProperty("fault_row", "A1");
  RecordProperty("kills", kills);
  RecordProperty("rows_missed",
                 std::stoi(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched = 0")));
  RecordProperty("rows_redone",
                 std::stoi(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched > 1")));
  EXPECT_GE(kills, 5) << "the backfill must have been interrupted many times";
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched = 0"), "0")
      << "rows missed";
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched > 1"), "0")
      << "rows redone";
  EXPECT_EQ(scalar(db_, "SELECT sum(amount) FROM " + table_), "5000005000.00");
}

TEST_F(SchemaMigrationE2E, TwoOperatorsWithoutLeaderElectionNeverBothWrite) {
  make_orders(300000);
  {
    pqxx::work tx(db_);
    tx.exec0("ALTER TABLE " + table_ + " ADD COLUMN touched int NOT NULL DEFAULT 0");
    tx.commit();
  }
  Subprocess second({std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator", "--kubeconfig",
                     stack_var("KUBECONFIG"), "--namespace", ns_, "--metrics-bind-address", "0",
                     "--health-probe-bind-address", "0"});
  std::string m = manifest("twice", 2000);
  m.replace(m.find("set: amount = amount_cents / 100.0"),
            std::string("set: amount = amount_cents / 100.0").size(),
            "set: \"amount = amount_cents / 100.0, touched = touched + 1\"");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(m))).exit_code, 0);
  auto wait =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/twice --timeout=300s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("twice");
  EXPECT_EQ(scalar(db_, "SELECT min(touched) || '/' || max(touched) FROM " + table_), "1/1")
      << "every row updated exactly once, whichever operator ran it";
  const std::string outputs = operator_->output() + second.output();
  EXPECT_NE(outputs.find("another operator is running it: migration " + ns_ +
                         "/twice is being run by backend pid"),
            std::string::npos)
      << "the operator without the fence must say why it does not run the migration";
  second.signal(SIGTERM);
  second.wait();
}

TEST_F(SchemaMigrationE2E, ASecondMigrationOnATableHeldByARunningOneIsRefused) {
  make_orders(300000);
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(manifest("first", 100)))).exit_code, 0);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && phase("first") != "Backfilling")
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(phase("first"), "Backfilling");
  std::string second = manifest("second", 1000);
  while (second.find(" amount ") != std::string::npos)
    second.replace(second.find(" amount "), 8, " amount2 ");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(second))).exit_code, 0);
  std::string msg;
  const auto d2 = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < d2 && msg.find("held by") == std::string::npos) {
    msg = run_command(kubectl("-n " + ns_ +
                              " get smig second -o "
                              "jsonpath='{.status.conditions[?(@.type==\"Stalled\")].message}'"))
              .output;
    std::this_thread::sleep_for(100ms);
  }
  // The table as the plans resolved it: schema-qualified.
  EXPECT_NE(msg.find("." + table_ + " is held by migration " + ns_ + "/first (phase Backfilling)"),
            std::string::npos)
      << msg;
  EXPECT_EQ(phase("second"), "Pending");
}

TEST_F(SchemaMigrationE2E, SqlThatDriftedFromWhatWasAppliedIsDetected) {
  make_orders(1000);
  std::string m = manifest("drifty", 1000);
  m.replace(m.find("approval: Auto"), std::string("approval: Auto").size(), "approval: Manual");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(m))).exit_code, 0);
  auto wait = run_command(
      kubectl("-n " + ns_ +
              " wait --for=jsonpath='{.status.phase}'=AwaitingContract smig/drifty --timeout=60s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << phase("drifty");
  // Deleted and created again under the same name, with different SQL.
  ASSERT_EQ(run_command(kubectl("-n " + ns_ + " delete smig drifty --timeout=30s")).exit_code, 0);
  std::string changed = m;
  changed.replace(changed.find("numeric(12,2)"), std::string("numeric(12,2)").size(),
                  "numeric(14,4)");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(changed))).exit_code, 0);
  std::string msg;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && msg.find("drifted") == std::string::npos) {
    msg = run_command(kubectl("-n " + ns_ +
                              " get smig drifty -o "
                              "jsonpath='{.status.conditions[?(@.type==\"Stalled\")].message}'"))
              .output;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(msg.find("expand.sql[0] was applied as"), std::string::npos) << msg;
  EXPECT_NE(msg.find("numeric(14,4)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the applied SQL drifted from the manifest"), std::string::npos) << msg;
}

TEST_F(SchemaMigrationE2E, AMixedCaseTableWithACompositeKeyCompletes) {
  const std::string schema = "Shop " + ns_, q = "\"Shop " + ns_ + "\".\"Orders\"";
  {
    pqxx::work tx(db_);
    tx.exec0("CREATE SCHEMA \"" + schema + "\"");
    tx.exec0("CREATE TABLE " + q +
             " (\"Region\" text NOT NULL, order_no int NOT NULL, amount_cents int NOT NULL, "
             "PRIMARY KEY (\"Region\", order_no))");
    tx.exec0("INSERT INTO " + q +
             " SELECT r, g, g FROM unnest(ARRAY['EU', 'US']) r, generate_series(1, 5000) g");
    tx.commit();
  }
  const std::string qy = "'" + q + "'";  // YAML single quotes keep the double quotes
  const std::string m =
      "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: mixed, "
      "namespace: " +
      ns_ + "}\nspec:\n  database: {secretRef: {name: orders-db}}\n  expand: {sql: [" +
      "'ALTER TABLE " + q + " ADD COLUMN amount numeric(12,2)']}\n" + "  backfill: {table: " + qy +
      ", keyColumns: ['\"Region\"', order_no], set: amount = amount_cents / 100.0, pendingWhere: "
      "amount IS NULL, maxBatch: 1000}\n"
      "  verify: {checksums: [{name: cents, table: " +
      qy +
      ", keyColumns: ['\"Region\"', order_no], old: amount_cents, new: '(amount * 100)::int'}]}\n"
      "  contract: {sql: ['ALTER TABLE " +
      q + " DROP COLUMN amount_cents'], approval: Auto}\n  rollback: {sql: ['ALTER TABLE " + q +
      " DROP COLUMN IF EXISTS amount']}\n";
  auto apply = run_command(kubectl("apply -f " + write_temp(m)));
  ASSERT_EQ(apply.exit_code, 0) << apply.output << "\n" << m;
  auto wait =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/mixed --timeout=120s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("mixed") << "\noperator:\n"
                               << operator_->output();
  EXPECT_EQ(phase("mixed"), "Completed");
  EXPECT_EQ(scalar(db_, "SELECT count(*) || ' ' || sum(amount) FROM " + q), "10000 250050.00")
      << "2 x (1 + ... + 5000) cents";
  pqxx::work tx(db_);
  tx.exec0("DROP SCHEMA \"" + schema + "\" CASCADE");
  tx.commit();
}

TEST_F(SchemaMigrationE2E, AFinishedMigrationKeepsNoConnectionAndNoAdvisoryLock) {
  ScratchDatabase db("finished");
  const std::string other = table_ + "_b", third = table_ + "_c";
  {
    pqxx::connection c(db.dsn());
    pqxx::work tx(c);
    for (const auto& t : {table_, other, third}) {
      tx.exec0("CREATE TABLE " + t + " (id bigserial PRIMARY KEY, amount_cents int NOT NULL)");
      tx.exec0("INSERT INTO " + t + " (amount_cents) SELECT g FROM generate_series(1, 500) g");
    }
    tx.commit();
  }
  ASSERT_EQ(run_command(kubectl("-n " + ns_ +
                                " create secret generic scratch-db "
                                "--from-literal=dsn=" +
                                shell_quote(db.dsn())))
                .exit_code,
            0);
  auto use_scratch = [&](std::string m) {
    m.replace(m.find("name: orders-db"), std::string("name: orders-db").size(), "name: scratch-db");
    return m;
  };
  std::string manual = use_scratch(manifest("manual", 1000));
  for (auto pos = manual.find(table_); pos != std::string::npos;
       pos = manual.find(table_, pos + other.size()))
    manual.replace(pos, table_.size(), other);
  manual.replace(manual.find("approval: Auto"), std::string("approval: Auto").size(),
                 "approval: Manual");
  ASSERT_EQ(
      run_command(kubectl("apply -f " + write_temp(use_scratch(manifest("auto", 1000))))).exit_code,
      0);
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(manual))).exit_code, 0);
  // Fails for good: its backfill names a column that does not exist, and so does its rollback.
  std::string failing = use_scratch(manifest("failing", 1000));
  for (auto pos = failing.find(table_); pos != std::string::npos;
       pos = failing.find(table_, pos + third.size()))
    failing.replace(pos, table_.size(), third);
  failing.replace(failing.find("set: amount = amount_cents / 100.0"),
                  std::string("set: amount = amount_cents / 100.0").size(),
                  "set: amount = no_such_column");
  failing.replace(failing.find("DROP COLUMN IF EXISTS amount"),
                  std::string("DROP COLUMN IF EXISTS amount").size(), "DROP COLUMN no_such_column");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(failing))).exit_code, 0);
  pqxx::connection admin(db.admin_dsn());
  const std::string sessions =
      "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + db.role() + "'";
  const std::string locks =
      "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE "
      "l.locktype = 'advisory' AND d.datname = '" +
      db.name() + "'";
  auto wait = run_command(kubectl("-n " + ns_ +
                                  " wait --for=jsonpath='{.status.phase}'=AwaitingContract "
                                  "smig/manual --timeout=120s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << operator_->output();
  // Control: a migration that waits holds its connections and its fence.
  EXPECT_GE(std::stoi(scalar(admin, sessions)), 2);
  EXPECT_GE(std::stoi(scalar(admin, locks)), 1);
  wait = run_command(kubectl("-n " + ns_ +
                             " wait --for=jsonpath='{.status.phase}'=Completed smig/auto "
                             "--timeout=120s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << operator_->output();
  ASSERT_EQ(run_command(kubectl("-n " + ns_ + " annotate smig/manual schemashift.io/abort=true"))
                .exit_code,
            0);
  wait = run_command(kubectl("-n " + ns_ +
                             " wait --for=jsonpath='{.status.phase}'=RolledBack smig/manual "
                             "--timeout=120s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << operator_->output();
  wait = run_command(kubectl("-n " + ns_ +
                             " wait --for=jsonpath='{.status.phase}'=Failed smig/failing "
                             "--timeout=120s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << phase("failing") << operator_->output();
  // All three finished: nothing of theirs is left in the database, and nothing comes back.
  EXPECT_TRUE(eventually([&] { return scalar(admin, sessions) == "0"; }, 10s))
      << scalar(admin, sessions) << " sessions of the migrations' role remain";
  EXPECT_EQ(scalar(admin, locks), "0") << "an advisory lock remains";
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(scalar(admin, sessions), "0") << "a finished migration reconnected";
  (void)run_command(kubectl("-n " + ns_ + " delete smig --all --timeout=30s"));
}

}  // namespace
