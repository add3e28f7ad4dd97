// SchemaMigration gates and verification end to end, with the real operator binary: a replica
// lag gate holds the backfill while replay is paused, an SLO breach rolls back, contract waits
// for evidence that nobody reads the old column, a long transaction is reported before the DDL
// waits for it, a gate without data pauses and one that keeps erroring rolls back, and bad data
// found by verification rolls back naming the row.
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

}  // namespace
