// B4 (benchmarks.md): throttle reaction, measured through the operator binary
// (build/bin/schemashift-operator against the stack, as the e2e tests run it), not a copy of
// its loop. Each trial applies a backfill-only SchemaMigration with a postgresReplicaLag gate
// (4 MiB, probed every 0.2 s and before every batch); once batches run, the replica's replay
// is paused (pg_wal_replay_pause), held until the backfill stops (no batch for 1 s) and 3 s
// more, then resumed. A
// monitor outside the operator samples, every 2 ms, the true replay lag on the primary and the
// backfill's checkpoint (each batch commits one), and judges:
//   reaction: the first sample over the limit -> the last batch committed after it, against
//             one batch (the median time between commits before the pause) + one probe;
//   overshoot: the largest lag while paused minus the limit, against the largest batch's WAL;
//   oscillation: batches committed while replay stays paused after the backfill stopped
//             (must be 0), and batches before the lag fell under the 80% release level;
//   release: replay resumed -> the next batch.
// Autovacuum is off on the table, so the WAL over the limit is the backfill's own.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include <pqxx/pqxx>

#include "bench_report.h"
#include "bench_tables.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace schemashift;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::kubectl;

constexpr double kMaxLag = 4.0 * 1024 * 1024;
constexpr auto kProbeInterval = 200ms;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Commit {
  Clock::time_point at;
  double lsn;
  double lag;
};

struct Trial {
  double reaction_ms = -1, budget_ms = 0, overshoot_bytes = 0, batch_wal_bytes = 0, release_ms = -1;
  int batches_while_held = 0;
  std::string note{};
};

std::string apply(const std::string& yaml) {
  const std::string path = "/tmp/schemashift-b4-" + testing::unique_suffix() + ".yaml";
  std::ofstream(path) << yaml;
  return testing::run_command(kubectl("apply -f " + path)).output;
}

Trial run_trial(const std::string& dsn, const std::string& replica_dsn, const std::string& ns,
                int t, int rows) {
  pqxx::connection c(dsn), replica(replica_dsn);
  const std::string table = "b4_" + std::to_string(t) + "_" + testing::unique_suffix();
  bench::make_narrow_table(c, table, rows);
  {
    pqxx::work tx(c);
    tx.exec0("ALTER TABLE " + table + " SET (autovacuum_enabled = off)");
    tx.commit();
  }
  const std::string name = "b4-" + std::to_string(t);
  const std::string migration = ns + "/" + name;
  apply("apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: " + name +
        ", namespace: " + ns +
        "}\nspec:\n  database: {secretRef: {name: orders-db}}\n"
        "  backfill: {table: " +
        table +
        ", keyColumn: id, set: \"b = a\", maxBatch: 20000, targetBatchDuration: 20ms}\n"
        "  gates:\n  - {name: replica-lag, provider: postgresReplicaLag, maxLagBytes: " +
        std::to_string(static_cast<long long>(kMaxLag)) + ", intervalSeconds: 0.2}\n");

  // The monitor: lag and the checkpoint's rowsDone, every 2 ms.
  std::atomic<bool> stop{false}, paused{false};
  std::mutex mu;
  std::vector<Commit> commits;
  Clock::time_point breach{};
  double max_paused_lag = 0;
  std::thread monitor([&] {
    pqxx::connection m(dsn);
    long long last_done = -1;
    while (!stop) {
      pqxx::nontransaction nt(m);
      auto r = nt.exec_params1(
          "SELECT coalesce((SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)) FROM "
          "pg_stat_replication), 0)::float8, pg_wal_lsn_diff(pg_current_wal_lsn(), "
          "'0/0')::float8, coalesce((SELECT (checkpoint->'backfill'->>'rowsDone')::bigint FROM "
          "schemashift.migrations WHERE name = $1), -1)",
          migration);
      const auto now = Clock::now();
      const double lag = r[0].as<double>(), lsn = r[1].as<double>();
      const long long done = r[2].as<long long>();
      std::lock_guard lock(mu);
      if (done != last_done && done > 0) commits.push_back({now, lsn, lag});
      last_done = done;
      if (paused && lag > kMaxLag && breach == Clock::time_point{}) breach = now;
      if (paused) max_paused_lag = std::max(max_paused_lag, lag);
      std::this_thread::sleep_for(2ms);
    }
  });
  auto commits_now = [&] {
    std::lock_guard lock(mu);
    return commits.size();
  };
  Trial out;
  const auto start = Clock::now();
  while (commits_now() < 20 && Clock::now() - start < 120s) std::this_thread::sleep_for(5ms);
  const std::size_t before_pause = commits_now();
  pqxx::nontransaction(replica).exec("SELECT pg_wal_replay_pause()");
  paused = true;
  const auto paused_at = Clock::now();
  // Stopped: over the limit, and no commit for 1 s (or give up after 30 s); then held 3 s more.
  while (Clock::now() - paused_at < 30s) {
    bool stopped = false;
    {
      std::lock_guard lock(mu);
      const auto last = commits.empty() ? paused_at : std::max(paused_at, commits.back().at);
      stopped = breach != Clock::time_point{} && Clock::now() - last > 1s;
    }
    if (stopped) break;
    std::this_thread::sleep_for(5ms);
  }
  const auto stopped_at = Clock::now();
  std::this_thread::sleep_for(3s);
  pqxx::nontransaction(replica).exec("SELECT pg_wal_replay_resume()");
  const auto resumed_at = Clock::now();
  const std::size_t at_resume = commits_now();
  while (commits_now() == at_resume && Clock::now() - resumed_at < 30s)
    std::this_thread::sleep_for(2ms);
  stop = true;
  monitor.join();

  std::vector<double> gaps, wal;
  for (std::size_t i = 1; i < before_pause && i < commits.size(); ++i) {
    gaps.push_back(ms_between(commits[i - 1].at, commits[i].at));
    wal.push_back(commits[i].lsn - commits[i - 1].lsn);
  }
  out.budget_ms = bench::percentile(gaps, 0.5) +
                  std::chrono::duration<double, std::milli>(kProbeInterval).count();
  out.batch_wal_bytes = wal.empty() ? 0 : *std::max_element(wal.begin(), wal.end());
  if (breach == Clock::time_point{}) {
    out.note = "the lag never went over the limit while paused (largest " +
               std::to_string(max_paused_lag) + " bytes)";
  } else {
    Clock::time_point last_after_breach = breach;
    for (const auto& cm : commits) {
      if (cm.at >= breach && cm.at < stopped_at) last_after_breach = cm.at;
    }
    out.reaction_ms = ms_between(breach, last_after_breach);
    // Commits after the stop while replay stayed paused: the throttle let go too early.
    for (const auto& cm : commits) {
      if (cm.at >= stopped_at && cm.at < resumed_at) ++out.batches_while_held;
    }
  }
  out.overshoot_bytes = std::max(0.0, max_paused_lag - kMaxLag);
  if (commits.size() > at_resume) out.release_ms = ms_between(resumed_at, commits[at_resume].at);
  testing::run_command(kubectl("-n " + ns + " delete smig " + name + " --timeout=60s"));
  pqxx::work tx(c);
  tx.exec0("DROP TABLE IF EXISTS " + table);
  tx.commit();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  const std::string replica_dsn = testing::stack_var("PG_REPLICA_DSN");
  const int trials = static_cast<int>(bench::int_arg(argc, argv, "--trials", 5));
  const int rows = static_cast<int>(bench::int_arg(argc, argv, "--rows", 1000000));
  const std::string ns = "bench-b4-" + testing::unique_suffix();
  testing::run_command(kubectl("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/"));
  testing::run_command(kubectl("create namespace " + ns));
  testing::run_command(kubectl("-n " + ns + " create secret generic orders-db --from-literal=dsn=" +
                               testing::shell_quote(dsn)));
  testing::Subprocess op({std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator",
                          "--kubeconfig", testing::stack_var("KUBECONFIG"), "--namespace", ns,
                          "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                          "--log-level", "warn"});
  std::vector<double> reaction, budget, overshoot, batch_wal, release;
  int over_budget = 0, over_one_batch = 0, held_batches = 0, missed = 0;
  for (int i = 0; i < trials; ++i) {
    const Trial t = run_trial(dsn, replica_dsn, ns, i, rows);
    if (t.reaction_ms < 0 || t.release_ms < 0) {
      ++missed;
      std::printf("trial %d: no result: %s (release %.0f ms)\n", i + 1, t.note.c_str(),
                  t.release_ms);
      continue;
    }
    reaction.push_back(t.reaction_ms);
    budget.push_back(t.budget_ms);
    overshoot.push_back(t.overshoot_bytes);
    batch_wal.push_back(t.batch_wal_bytes);
    release.push_back(t.release_ms);
    over_budget += t.reaction_ms > t.budget_ms;
    over_one_batch += t.overshoot_bytes > t.batch_wal_bytes;
    held_batches += t.batches_while_held;
    std::printf(
        "trial %d: reaction %.1f ms (budget %.0f ms = batch + probe %lld ms); overshoot %.0f KB "
        "(largest batch's WAL %.0f KB); %d batches while held; released %.0f ms after replay "
        "resumed\n",
        i + 1, t.reaction_ms, t.budget_ms, static_cast<long long>(kProbeInterval.count()),
        t.overshoot_bytes / 1024, t.batch_wal_bytes / 1024, t.batches_while_held, t.release_ms);
  }
  op.signal(SIGTERM);
  op.wait();
  testing::run_command(kubectl("delete namespace " + ns + " --wait=false"));
  {
    pqxx::connection c(dsn);
    pqxx::work tx(c);
    tx.exec_params0("DELETE FROM schemashift.migrations WHERE name LIKE $1", ns + "/%");
    tx.commit();
  }
  const auto r = bench::Stat::of(reaction), b = bench::Stat::of(budget),
             o = bench::Stat::of(overshoot), w = bench::Stat::of(batch_wal),
             rel = bench::Stat::of(release);
  bench::Targets targets("B4");
  targets.note("lag breach -> last batch, median ms", r.median);
  targets.note("reaction budget (1 batch + 1 probe), median ms", b.median);
  targets.at_most("trials whose reaction exceeded its budget", over_budget, 0);
  targets.note("lag overshoot over the 4 MiB limit, median KB", o.median / 1024);
  targets.note("largest batch's WAL, median KB", w.median / 1024);
  targets.at_most("trials whose overshoot exceeded one batch's WAL", over_one_batch, 0);
  targets.at_most("batches while replay stayed paused (oscillation)", held_batches, 0);
  targets.note("release after replay resumed, median ms", rel.median);
  targets.at_most("trials without a result", missed, 0);
  nlohmann::json report = {{"id", "B4"},
                           {"name", "throttle reaction (replica lag), through the operator"},
                           {"trials", trials},
                           {"rows", rows},
                           {"max_lag_bytes", kMaxLag},
                           {"probe_interval_ms", kProbeInterval.count()},
                           {"reaction_ms", r.json()},
                           {"reaction_budget_ms", b.json()},
                           {"overshoot_bytes", o.json()},
                           {"largest_batch_wal_bytes", w.json()},
                           {"release_after_resume_ms", rel.json()}};
  const int rc = targets.finish(report);
  bench::write_report(bench::out_dir(argc, argv), "B4", report);
  return rc;
}
