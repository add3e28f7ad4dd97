// SchemaMigration end to end, as a user drives it: kubectl apply of a migration against the
// real operator binary, kubectl wait for Ready, kubectl get smig; an abort annotation during
// the backfill rolls back; invalid manifests are refused by the API server with field paths;
// a database that cannot be reached is named in the status without its password, whatever
// form its connection string takes; a finished migration keeps no connection or lock.
#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>

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
using schemashift::testing::ScratchDatabase;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;

std::string write_temp(const std::string& text) {
  const std::string path = "/tmp/schemashift-e2e-" + unique_suffix() + ".yaml";
  std::ofstream(path) << text;
  return path;
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
    operator_ = std::make_unique<Subprocess>(std::vector<std::string>{
        std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator", "--kubeconfig",
        stack_var("KUBECONFIG"), "--namespace", ns_, "--metrics-bind-address", "0",
        "--health-probe-bind-address", "0"});
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
  void make_orders(int rows) {
    pqxx::work tx(db_);
    tx.exec0("CREATE TABLE " + table_ + " (id bigserial PRIMARY KEY, amount_cents int NOT NULL)");
    tx.exec0("INSERT INTO " + table_ + " (amount_cents) SELECT g FROM generate_series(1, " +
             std::to_string(rows) + ") g");
    tx.exec("ANALYZE " + table_);
    tx.commit();
  }
  std::string manifest(const std::string& name, int max_batch, const std::string& extra_spec = "") {
    return "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n  name: " +
           name + "\n  namespace: " + ns_ +
           "\nspec:\n  database:\n    secretRef: {name: orders-db}\n"
           "  expand:\n    sql: [\"ALTER TABLE " +
           table_ +
           " ADD COLUMN IF NOT EXISTS amount numeric(12,2)\"]\n"
           "  backfill:\n    table: " +
           table_ +
           "\n    keyColumn: id\n    set: amount = amount_cents / 100.0\n"
           "    pendingWhere: amount IS NULL\n    targetBatchDuration: 50ms\n    minBatch: 10\n    "
           "maxBatch: " +
           std::to_string(max_batch) +
           "\n  verify:\n    checks:\n    - name: amounts-match\n      sql: SELECT count(*) FROM " +
           table_ +
           " WHERE amount * 100 IS DISTINCT FROM amount_cents\n      expect: \"0\"\n"
           "    checksums:\n    - {name: cents, table: " +
           table_ +
           ", keyColumn: id, old: amount_cents, new: \"(amount * 100)::int\"}\n"
           "  contract:\n    sql: [\"ALTER TABLE " +
           table_ +
           " DROP COLUMN amount_cents\"]\n    approval: Auto\n"
           "  rollback:\n    sql: [\"ALTER TABLE " +
           table_ + " DROP COLUMN IF EXISTS amount\"]\n" + extra_spec;
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

TEST_F(SchemaMigrationE2E, AReplicaLagGateHoldsTheBackfillWhileReplayIsPausedAndReleasesIt) {
  make_orders(1000000);
  constexpr double kMaxLag = 2 * 1024 * 1024;
  const std::string gate =
      "  gates:\n  - {name: replica-lag, provider: postgresReplicaLag, maxLagBytes: " +
      std::to_string(static_cast<long long>(kMaxLag)) + ", intervalSeconds: 0.2}\n";
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(manifest("gated", 2000, gate)))).exit_code,
            0);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && phase("gated") != "Backfilling")
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(phase("gated"), "Backfilling") << operator_->output();

  pqxx::connection replica(stack_var("PG_REPLICA_DSN"));
  pqxx::connection primary(stack_var("PG_PRIMARY_DSN"));
  const std::string lag_sql =
      "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint FROM "
      "pg_stat_replication";
  auto gates_passing = [&] {
    return run_command(
               kubectl("-n " + ns_ +
                       " get smig gated -o "
                       "jsonpath='{.status.conditions[?(@.type==\"GatesPassing\")].reason}'"))
        .output;
  };
  auto rows_done = [&] {
    return run_command(
               kubectl("-n " + ns_ + " get smig gated -o jsonpath='{.status.backfill.rowsDone}'"))
        .output;
  };
  // The replica may lag on its own after the 1M-row insert: start from a backfill that runs.
  ASSERT_TRUE(eventually(
      [&] { return gates_passing() == "GatesPassing" && rows_done() != "" && rows_done() != "0"; },
      60s))
      << gates_passing() << " " << rows_done();
  scalar(replica, "SELECT pg_wal_replay_pause()");
  double max_lag = 0;
  // The primary learns the replica's replay position from the replica's periodic replies, so
  // right after the pause it may still see an older one; until it sees the final one, a lag
  // it reports can shrink (and a throttle from before the pause be released). Held means: the
  // replay position the primary sees is the replica's last, the lag over the limit, and the
  // gate throttling.
  ASSERT_TRUE(eventually(
      [&] {
        max_lag = std::max(max_lag, std::stod(scalar(primary, lag_sql)));
        return scalar(replica, "SELECT pg_get_wal_replay_pause_state()") == "paused" &&
               scalar(primary, "SELECT max(replay_lsn)::text FROM pg_stat_replication") ==
                   scalar(replica, "SELECT pg_last_wal_replay_lsn()::text") &&
               std::stod(scalar(primary, lag_sql)) > kMaxLag && gates_passing() == "Throttled";
      },
      30s))
      << "phase " << phase("gated") << ", gates " << gates_passing();
  std::this_thread::sleep_for(300ms);  // the status of the reconcile that held it
  const std::string batch = run_command(kubectl("-n " + ns_ +
                                                " get smig gated -o "
                                                "jsonpath='{.status.backfill.batchSize}'"))
                                .output;
  EXPECT_LE(std::stoi(batch), 1000) << "the batch shrinks when a gate holds (maxBatch 2000)";
  // Held: no progress while replay stays paused, and the lag stops growing.
  const std::string held_at = rows_done();
  for (int i = 0; i < 40; ++i) {
    max_lag = std::max(max_lag, std::stod(scalar(primary, lag_sql)));
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(rows_done(), held_at)
      << "the backfill must stop while the gate throttles\ngates: "
      << run_command(kubectl("-n " + ns_ + " get smig gated -o jsonpath='{.status.gates}'")).output
      << "\nhistory: "
      << run_command(kubectl("-n " + ns_ + " get smig gated -o jsonpath='{.status.history}'"))
             .output
      << "\noperator:\n"
      << operator_->output();
  std::printf("replica lag peaked at %.0f bytes with a %.0f byte limit\n", max_lag, kMaxLag);
  EXPECT_LE(max_lag, kMaxLag + 1024 * 1024)
      << "lag may overshoot the limit by about one batch, no more";

  scalar(replica, "SELECT pg_wal_replay_resume()");
  auto wait =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/gated --timeout=120s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("gated");
  auto events = run_command(
      kubectl("-n " + ns_ + " get events.events.k8s.io -o jsonpath='{.items[*].reason}'"));
  EXPECT_NE(events.output.find("GateThrottling"), std::string::npos) << events.output;
}

TEST_F(SchemaMigrationE2E, AnSloBreachDuringBackfillRollsBackAutomatically) {
  make_orders(300000);
  std::atomic<double> error_ratio{0.001};
  HttpEndpoint slo("/slo", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"errorRatio\": " + std::to_string(error_ratio.load()) + "}",
                    "application/json");
  });
  const std::string gate = "  gates:\n  - {name: orders-errors, provider: web, url: \"" +
                           slo.url("/slo") +
                           "\", jsonPath: errorRatio, max: 0.05, intervalSeconds: 0.2}\n";
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(manifest("slo", 200, gate)))).exit_code,
            0);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && phase("slo") != "Backfilling")
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(phase("slo"), "Backfilling") << operator_->output();
  std::this_thread::sleep_for(500ms);
  error_ratio = 0.4;  // the service starts failing
  const auto breach = std::chrono::steady_clock::now();
  auto wait = run_command(kubectl(
      "-n " + ns_ + " wait --for=jsonpath='{.status.phase}'=RolledBack smig/slo --timeout=60s"));
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - breach).count();
  slo.stop();
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("slo");
  std::printf("SLO breach -> RolledBack in %.2f s\n", secs);
  EXPECT_LT(secs, 10.0);
  auto reason =
      run_command(kubectl("-n " + ns_ + " get smig slo -o jsonpath='{.status.rollbackReason}'"));
  EXPECT_NE(reason.output.find("GateFailed: orders-errors: errorRatio = 0.4"), std::string::npos)
      << reason.output;
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                            table_ + "' AND column_name = 'amount'"),
            "0");
  EXPECT_EQ(scalar(db_, "SELECT sum(amount_cents::bigint) FROM " + table_), "45000150000");
}

TEST_F(SchemaMigrationE2E, ContractWaitsUntilNobodyHasReadTheOldColumnForTheWindow) {
  make_orders(10000);
  // An old reader still selects the column contract would drop.
  std::atomic<bool> reading{true};
  std::thread reader([&] {
    pqxx::connection app(stack_var("PG_ORDERS_DSN"));
    for (int i = 1; reading; ++i) {
      pqxx::work tx(app);
      tx.exec("SELECT amount_cents FROM " + table_ + " WHERE id = " + std::to_string(i % 100 + 1));
      tx.commit();
      std::this_thread::sleep_for(100ms);
    }
  });
  const std::string gate =
      "  gates:\n  - {name: old-readers, provider: postgresStatements, pattern: \"amount_cents "
      "FROM " +
      table_ + "\", intervalSeconds: 0.5, windowSeconds: 2, count: 3}\n";
  ASSERT_EQ(
      run_command(kubectl("apply -f " + write_temp(manifest("evidence", 5000, gate)))).exit_code,
      0);
  auto wait = run_command(kubectl("-n " + ns_ +
                                  " wait --for=jsonpath='{.status.phase}'=AwaitingContract "
                                  "smig/evidence --timeout=60s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("evidence");
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(phase("evidence"), "AwaitingContract") << "contract must wait while the reader reads";
  auto ready = run_command(kubectl(
      "-n " + ns_ +
      " get smig evidence -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].message}'"));
  EXPECT_NE(
      ready.output.find("waiting for evidence that old readers are gone: old-readers Waiting"),
      std::string::npos)
      << ready.output;
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                            table_ + "' AND column_name = 'amount_cents'"),
            "1");

  reading = false;  // the last old reader is gone
  const auto gone = std::chrono::steady_clock::now();
  reader.join();
  wait =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/evidence --timeout=60s"));
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - gone).count();
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("evidence");
  std::printf("last old reader gone -> Completed in %.2f s (window 2 s, 3 clean readings)\n", secs);
  EXPECT_GE(secs, 1.5) << "the window must pass first";
  EXPECT_EQ(phase("evidence"), "Completed");
  auto events = run_command(
      kubectl("-n " + ns_ + " get events.events.k8s.io -o jsonpath='{.items[*].reason}'"));
  EXPECT_NE(events.output.find("GateSatisfied"), std::string::npos) << events.output;
}

TEST_F(SchemaMigrationE2E, ALongTransactionOnTheTableIsReportedBeforeTheDdlWaitsForIt) {
  make_orders(1000);
  std::atomic<bool> release{false}, holding{false};
  std::thread reader([&] {
    pqxx::connection app(stack_var("PG_ORDERS_DSN"));
    pqxx::work tx(app);
    tx.exec("SELECT count(*) FROM " + table_);  // holds ACCESS SHARE until commit
    holding = true;
    while (!release) std::this_thread::sleep_for(20ms);
    tx.commit();
  });
  while (!holding) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(1500ms);  // older than the 1 s the operator reports
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(manifest("long-tx", 5000)))).exit_code, 0);
  std::string note;
  const bool reported = eventually(
      [&] {
        note = run_command(kubectl("-n " + ns_ +
                                   " get events.events.k8s.io --field-selector "
                                   "reason=LongTransaction -o jsonpath='{.items[*].note}'"))
                   .output;
        return !note.empty();
      },
      30s);
  const std::string phase_then = phase("long-tx");
  pqxx::connection probe(stack_var("PG_ORDERS_DSN"));
  const std::string column_then =
      scalar(probe, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                        table_ + "' AND column_name = 'amount'");
  release = true;
  reader.join();
  ASSERT_TRUE(reported) << "no LongTransaction event; phase " << phase_then << "\n"
                        << operator_->output();
  EXPECT_NE(
      note.find("expand step 0 on " + table_ + ": a long transaction holds a lock on it, pid"),
      std::string::npos)
      << note;
  EXPECT_NE(note.find("SELECT count(*) FROM " + table_), std::string::npos) << note;
  EXPECT_EQ(column_then, "0") << "reported while the DDL was still waiting for the lock";
  EXPECT_EQ(phase_then, "Expanding") << "the new phase is shown while its step waits";
  auto wait =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/long-tx --timeout=120s"));
  EXPECT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("long-tx");
}

TEST_F(SchemaMigrationE2E, AGateWithNoDataPausesTheBackfillAndOneErroringFourTimesRollsBack) {
  make_orders(300000);
  std::atomic<int> mode{0};  // 0: healthy, 1: answers without the value, 2: answers 503
  HttpEndpoint slo("/slo", [&](const httplib::Request&, httplib::Response& res) {
    if (mode == 2) {
      res.status = 503;
      return;
    }
    res.set_content(mode == 0 ? "{\"errorRatio\": 0.001}" : "{}", "application/json");
  });
  const std::string gate = "  gates:\n  - {name: orders-errors, provider: web, url: \"" +
                           slo.url("/slo") +
                           "\", jsonPath: errorRatio, max: 0.05, intervalSeconds: 0.2}\n";
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(manifest("nodata", 200, gate)))).exit_code,
            0);
  auto get = [&](const std::string& path) {
    return run_command(kubectl("-n " + ns_ + " get smig nodata -o jsonpath='" + path + "'")).output;
  };
  ASSERT_TRUE(eventually([&] { return phase("nodata") == "Backfilling"; }, 60s))
      << phase("nodata") << operator_->output();
  mode = 1;  // the endpoint stops reporting the value
  ASSERT_TRUE(eventually([&] { return get("{.status.gates[0].phase}") == "Inconclusive"; }, 10s))
      << get("{.status.gates}");
  std::this_thread::sleep_for(1s);  // a batch in flight may still land
  const std::string rows = get("{.status.backfill.rowsDone}");
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(get("{.status.backfill.rowsDone}"), rows) << "no data never passes: the backfill holds";
  EXPECT_EQ(phase("nodata"), "Backfilling") << "paused, not failed";
  EXPECT_NE(get("{.status.conditions[?(@.type==\"GatesPassing\")].message}")
                .find("errorRatio not "
                      "in the answer"),
            std::string::npos)
      << get("{.status.conditions}");

  mode = 2;  // now the endpoint fails outright
  auto wait = run_command(kubectl(
      "-n " + ns_ + " wait --for=jsonpath='{.status.phase}'=RolledBack smig/nodata --timeout=30s"));
  slo.stop();
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("nodata") << "\n"
                               << get("{.status.gates}");
  EXPECT_EQ(get("{.status.gates[0].phase}"), "Error");
  EXPECT_EQ(get("{.status.gates[0].consecutiveErrors}"), "4");
  EXPECT_NE(get("{.status.rollbackReason}").find("answered 503"), std::string::npos)
      << get("{.status.rollbackReason}");
}

TEST_F(SchemaMigrationE2E, BadDataFoundByVerificationRollsBackNamingTheRow) {
  make_orders(100000);
  std::string m = manifest("corrupt", 5000);
  // A buggy transform: one row gets the wrong value.
  m.replace(m.find("set: amount = amount_cents / 100.0"),
            std::string("set: amount = amount_cents / 100.0").size(),
            "set: \"amount = CASE WHEN id = 77 THEN 0 ELSE amount_cents / 100.0 END\"");
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(m))).exit_code, 0);
  auto wait = run_command(
      kubectl("-n " + ns_ +
              " wait --for=jsonpath='{.status.phase}'=RolledBack smig/corrupt --timeout=120s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase: " << phase("corrupt");
  auto reason =
      run_command(kubectl("-n " + ns_ + " get smig corrupt -o jsonpath='{.status.rollbackReason}'"))
          .output;
  EXPECT_NE(reason.find("VerificationFailed"), std::string::npos) << reason;
  EXPECT_NE(reason.find("amounts-match: 1, expected 0"), std::string::npos) << reason;
  EXPECT_NE(
      reason.find("cents: checksum mismatch in id [1, 50000]: 1 rows differ, first at id = 77"),
      std::string::npos)
      << reason;
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                            table_ + "' AND column_name = 'amount'"),
            "0");
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
  EXPECT_NE(r2.output.find("spec.database: Required value"), std::string::npos) << r2.output;
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
