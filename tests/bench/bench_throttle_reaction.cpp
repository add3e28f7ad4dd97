// B4 (benchmarks.md): throttle reaction. A backfill runs with the postgresReplicaLag gate
// probed before every batch, as the reconciler does; the replica's replay is paused
// (pg_wal_replay_pause) mid-backfill and resumed later. An independent monitor samples the
// true replay lag every 2 ms. Printed per trial and as medians over 5 trials:
//   reaction: the monitor's first sample over the limit -> the first withheld batch,
//             against the budget of one batch plus one probe interval;
//   overshoot: the largest lag seen while paused minus the limit, against one batch's WAL;
//   flapping: throttle trips while replay stayed paused after the first (must be 0), and
//             releases before replay resumed (must be 0);
//   release: replay resumed -> the next batch (hysteresis: lag under 80% of the limit).
// Other writers' WAL adds to the lag whatever the backfill does; autovacuum is off on the
// benchmark's table so the overshoot is the backfill's own.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <pqxx/pqxx>

#include "bench_report.h"
#include "bench_tables.h"
#include "gates/gate.h"
#include "gates/replica_lag.h"
#include "pg/backfill.h"
#include "pg/fence.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kRows = 1000000;
constexpr double kMaxLag = 4.0 * 1024 * 1024;
constexpr auto kProbeInterval = 200ms;  // how often a throttled backfill looks again

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double lsn(pqxx::connection& c) {
  pqxx::nontransaction nt(c);
  return nt.exec1("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8")[0].as<double>();
}

struct Trial {
  double reaction_ms = -1, batch_ms = 0, overshoot_bytes = 0, batch_wal_bytes = 0, release_ms = -1;
  std::string note{};
  int extra_trips = 0, early_releases = 0;
  int natural_trips = 0;  // before the pause: the replica could not keep up by itself
};

Trial run_trial(const std::string& dsn, const std::string& replica_dsn, pqxx::connection& c) {
  bench::make_narrow_table(c, "b4", kRows);
  {
    pqxx::work tx(c);
    // Autovacuum of the half-updated table writes WAL the backfill cannot withhold; off here so
    // the overshoot measured is the backfill's own.
    tx.exec0("ALTER TABLE b4 SET (autovacuum_enabled = off)");
    tx.exec0("UPDATE schemashift.migrations SET checkpoint = '{}' WHERE name = 'bench/b4'");
    tx.commit();
  }
  pqxx::connection fence_conn(dsn), work(dsn), probe(dsn), replica(replica_dsn);
  auto fence = pg::Fence::acquire(fence_conn, "bench/b4");
  pg::Backfiller bf(work,
                    {.migration = "bench/b4",
                     .table = "b4",
                     .key_column = "id",
                     .set = "b = a",
                     .target_batch_duration = 20ms,
                     .min_batch = 100,
                     .max_batch = 20000,
                     .initial_batch = 1000},
                    fence->epoch());
  bf.start();

  // The monitor: the true lag, every 2 ms, on its own connection.
  std::atomic<bool> stop{false}, paused{false};
  std::atomic<long long> breach_ns{0};
  std::atomic<double> max_paused_lag{0};
  std::thread monitor([&] {
    pqxx::connection m(dsn);
    while (!stop) {
      pqxx::nontransaction nt(m);
      const double lag = nt.exec1(
                               "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), "
                               "replay_lsn)), 0)::float8 FROM pg_stat_replication")[0]
                             .as<double>();
      if (paused && lag > kMaxLag && breach_ns == 0)
        breach_ns = Clock::now().time_since_epoch().count();
      if (paused && lag > max_paused_lag) max_paused_lag = lag;
      std::this_thread::sleep_for(2ms);
    }
  });

  gates::GateSpec gate;
  gate.name = "replica-lag";
  gate.provider = "postgresReplicaLag";
  gate.max = kMaxLag;
  gates::GateState state;
  Trial t;
  std::vector<double> batch_ms, batch_wal;
  const auto start = Clock::now();
  Clock::time_point paused_at{}, resumed_at{}, withheld_at{}, first_over_at{};
  bool throttled = false, resumed = false;
  int trips = 0;
  while (true) {
    const auto now = Clock::now();
    if (!paused && ms_between(start, now) > 1000) {
      pqxx::nontransaction(replica).exec("SELECT pg_wal_replay_pause()");
      paused = true;
      paused_at = now;
    }
    if (paused && !resumed && trips > 0 && ms_between(withheld_at, now) > 2000) {
      pqxx::nontransaction(replica).exec("SELECT pg_wal_replay_resume()");
      resumed = true;
      resumed_at = Clock::now();
    }
    const auto probe_at = Clock::now();
    const auto m = gates::measure_replica_lag(probe);
    state = gates::evaluate(gate, state, m, "", 0).state;
    const bool hold = gates::standing_verdict(gate, state) != gates::Verdict::kPass;
    if (hold && !throttled) {
      throttled = true;
      if (!paused) {
        ++t.natural_trips;
      } else if (++trips == 1) {
        withheld_at = Clock::now();
        first_over_at = probe_at;
      } else if (!resumed) {
        ++t.extra_trips;
      }
    } else if (!hold && throttled) {
      throttled = false;
      if (!paused || trips == 0) {
        // a natural throttle ending before the pause took hold
      } else if (!resumed) {
        ++t.early_releases;
      } else if (t.release_ms < 0) {
        t.release_ms = ms_between(resumed_at, Clock::now());
        break;  // the reaction both ways is measured; the rest of the backfill is not needed
      }
    }
    if (hold) {
      std::this_thread::sleep_for(kProbeInterval);
      continue;
    }
    const double before = lsn(work);
    const auto r = bf.run_batch();
    batch_wal.push_back(lsn(work) - before);
    batch_ms.push_back(std::chrono::duration<double, std::milli>(r.took).count());
    if (r.complete) {
      t.note = "the backfill completed first (" + std::to_string(trips) + " trips, paused " +
               std::to_string(paused.load()) + ", resumed " + std::to_string(resumed) + ", " +
               state.last_detail + ")";
      break;
    }
  }
  stop = true;
  monitor.join();
  if (paused && !resumed) pqxx::nontransaction(replica).exec("SELECT pg_wal_replay_resume()");
  std::sort(batch_ms.begin(), batch_ms.end());
  std::sort(batch_wal.begin(), batch_wal.end());
  t.batch_ms = batch_ms.empty() ? 0 : batch_ms[batch_ms.size() / 2];
  t.batch_wal_bytes = batch_wal.empty() ? 0 : batch_wal.back();  // the largest chunk
  if (trips > 0) {
    // The breach is the earliest sight of the lag over the limit: the monitor's, or the gate's
    // own probe when it read the lag first.
    Clock::time_point breach = first_over_at;
    if (breach_ns != 0) breach = std::min(breach, Clock::time_point{Clock::duration(breach_ns)});
    t.reaction_ms = ms_between(breach, withheld_at);
  }
  t.overshoot_bytes = std::max(0.0, max_paused_lag - kMaxLag);
  if (t.reaction_ms < 0 || t.release_ms < 0) {
    t.note = "trips " + std::to_string(trips) + ", breach seen " + std::to_string(breach_ns != 0) +
             ", largest lag while paused " + std::to_string(max_paused_lag.load()) +
             ", gate: " + state.last_detail;
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  const std::string replica_dsn = testing::stack_var("PG_REPLICA_DSN");
  pqxx::connection c(dsn);
  pg::ensure_state_schema(c);
  std::vector<double> reaction, budget, overshoot, batch_wal, release;
  int extra_trips = 0, early_releases = 0, missed = 0, over_one_batch = 0, over_budget = 0;
  for (int i = 0; i < 5; ++i) {
    const Trial t = run_trial(dsn, replica_dsn, c);
    if (t.reaction_ms < 0 || t.release_ms < 0) {
      ++missed;
      std::printf("trial %d: no result: %s\n", i + 1, t.note.c_str());
      continue;
    }
    const double b = t.batch_ms + std::chrono::duration<double, std::milli>(kProbeInterval).count();
    reaction.push_back(t.reaction_ms);
    budget.push_back(b);
    overshoot.push_back(t.overshoot_bytes);
    batch_wal.push_back(t.batch_wal_bytes);
    release.push_back(t.release_ms);
    if (t.overshoot_bytes > t.batch_wal_bytes) ++over_one_batch;
    if (t.reaction_ms > b) ++over_budget;
    extra_trips += t.extra_trips;
    early_releases += t.early_releases;
    std::printf(
        "trial %d: reaction %.1f ms (budget %.0f ms = batch %.1f + probe %lld); overshoot %.0f KB "
        "(largest batch's WAL %.0f KB); released %.0f ms after replay resumed; extra trips %d, "
        "early "
        "releases %d; %d throttles before the pause (replica behind on its own)\n",
        i + 1, t.reaction_ms, b, t.batch_ms, static_cast<long long>(kProbeInterval.count()),
        t.overshoot_bytes / 1024, t.batch_wal_bytes / 1024, t.release_ms, t.extra_trips,
        t.early_releases, t.natural_trips);
  }
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS b4");
    tx.exec0("DELETE FROM schemashift.migrations WHERE name = 'bench/b4'");
    tx.commit();
  }
  const auto r = bench::Stat::of(reaction), b = bench::Stat::of(budget),
             o = bench::Stat::of(overshoot), w = bench::Stat::of(batch_wal),
             rel = bench::Stat::of(release);
  std::printf(
      "B4 lag breach -> first withheld batch: median %.1f ms (max %.1f); budget 1 batch + 1 probe "
      "= %.0f ms; trials over budget: %d\n",
      r.median, r.max, b.median, over_budget);
  std::printf(
      "B4 lag overshoot over the %.0f MB limit: median %.0f KB (max %.0f KB); largest batch's WAL "
      "median %.0f KB; trials over one batch: %d; flapping: %d extra trips, %d early releases; "
      "%d trials without a result\n",
      kMaxLag / 1048576, o.median / 1024, o.max / 1024, w.median / 1024, over_one_batch,
      extra_trips, early_releases, missed);
  nlohmann::json report = {
      {"id", "B4"},
      {"name", "throttle reaction (replica lag)"},
      {"max_lag_bytes", kMaxLag},
      {"probe_interval_ms", kProbeInterval.count()},
      {"reaction_ms", r.json()},
      {"reaction_budget_ms", b.json()},
      {"overshoot_bytes", o.json()},
      {"largest_batch_wal_bytes", w.json()},
      {"trials_over_one_batch", over_one_batch},
      {"trials_over_reaction_budget", over_budget},
      {"release_after_resume_ms", rel.json()},
      {"extra_trips", extra_trips},
      {"early_releases", early_releases},
      {"trials_without_result", missed},
      {"meets_targets", missed == 0 && !reaction.empty() && over_budget == 0 &&
                            over_one_batch == 0 && extra_trips == 0 && early_releases == 0}};
  bench::write_report(bench::out_dir(argc, argv), "B4", report);
  return bench::verdict("B4", report);
}
