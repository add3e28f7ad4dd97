// A rolling restart of the operator mid-migration (docs/reliability.md, row A4): two replicas
// with leader election, as the chart runs them; during the backfill each is stopped (SIGTERM,
// as a Deployment's rollout does) and replaced, one after the other. The migration carries on
// and completes; every row is updated exactly once (its own counter), the sum is right.
#include <csignal>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/schemamigration_fixture.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::scalar;
using schemashift::testing::SchemaMigrationE2E;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::write_temp;

TEST_F(SchemaMigrationE2E, ARollingRestartOfBothReplicasMidBackfillLosesAndRepeatsNothing) {
  make_orders(600000);
  {
    pqxx::work tx(db_);
    tx.exec0("ALTER TABLE " + table_ + " ADD COLUMN touched int NOT NULL DEFAULT 0");
    tx.commit();
  }
  // The fixture's single operator goes; two elected replicas take its place.
  operator_->signal(SIGTERM);
  operator_->wait();
  // Both replicas share one Lease (the id), as a Deployment's pods do.
  auto shared = [&] {
    return std::make_unique<Subprocess>(std::vector<std::string>{
        std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator", "--kubeconfig",
        stack_var("KUBECONFIG"), "--namespace", ns_, "--leader-elect",
        "--leader-election-namespace", ns_, "--leader-election-id", "rolling",
        "--metrics-bind-address", "0", "--health-probe-bind-address", "0"});
  };
  std::unique_ptr<Subprocess> a = shared(), b = shared();
  std::string m = manifest("rolling", 2000);
  m.replace(m.find("set: amount = amount_cents / 100.0"),
            std::string("set: amount = amount_cents / 100.0").size(),
            "set: \"amount = amount_cents / 100.0, touched = touched + 1\"");
  // Paced to a fifth of the time, so the backfill outlasts two restarts on a fast machine too
  // (at full pace it once finished before the second replica was replaced).
  m.replace(m.find("maxBatch: 2000"), std::string("maxBatch: 2000").size(),
            "maxBatch: 2000\n    dutyCycle: 0.2");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(m))).exit_code, 0);
  auto wait_for_backfill = [&] {
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    while (std::chrono::steady_clock::now() < deadline && phase("rolling") != "Backfilling" &&
           phase("rolling") != "Completed")
      std::this_thread::sleep_for(50ms);
    return phase("rolling");
  };
  ASSERT_EQ(wait_for_backfill(), "Backfilling") << a->output() << b->output();
  auto rows = [&] {
    return run_command(
               kubectl("-n " + ns_ + " get smig rolling -o jsonpath='{.status.backfill.rowsDone}'"))
        .output;
  };
  int restarts = 0;
  // The rollout: replace a, wait for it to be back, then replace b (maxUnavailable 1).
  for (auto* r : {&a, &b}) {
    std::this_thread::sleep_for(500ms);
    if (phase("rolling") != "Backfilling") break;
    const std::string before = rows();
    (*r)->signal(SIGTERM);
    (*r)->wait();
    *r = shared();
    ++restarts;
    // The migration goes on: progress after the restart.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && rows() == before &&
           phase("rolling") == "Backfilling")
      std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(rows() != before || phase("rolling") != "Backfilling")
        << "no progress within 60 s of restarting a replica";
  }
  auto done =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/rolling --timeout=300s"));
  ASSERT_EQ(done.exit_code, 0) << done.output << "\nphase " << phase("rolling") << "\n"
                               << a->output() << b->output();
  RecordProperty("fault_row", "A4");
  RecordProperty("restarts", restarts);
  RecordProperty("rows_missed",
                 std::stoi(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched = 0")));
  RecordProperty("rows_redone",
                 std::stoi(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched > 1")));
  EXPECT_EQ(restarts, 2) << "both replicas restarted while the backfill ran";
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched = 0"), "0");
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched > 1"), "0");
  EXPECT_EQ(scalar(db_, "SELECT sum(amount) FROM " + table_), "1800003000.00");
  b->signal(SIGTERM);
  b->wait();
  operator_ = std::move(a);  // the fixture stops it
}

}  // namespace
