// B2 (benchmarks.md): write latency during a backfill under open-loop load, divided by the
// same load with no backfill (p99, p99.9, max, errors); and the backfill's rate under load
// divided by a single-statement UPDATE's idle rate (B1's baseline), all in this run, 5 trials
// for each point of a rate-versus-latency curve: the CRD's default (20 ms batches), a
// latency-first 5 ms, and 20 ms batches paced to a duty cycle of 0.5 and 0.25 (the backfill
// pauses after each batch in proportion to its time). --rows and --trials shrink it. The
// no-backfill baseline is the same load for 5 s just before and 5 s just after each backfill,
// pooled, so a slow moment of the machine on one side does not decide the ratio.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include <pqxx/pqxx>

#include "bench_report.h"
#include "bench_tables.h"
#include "pg/backfill.h"
#include "pg/fence.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int g_rows = 1000000;        // --rows
int g_trials = 5;            // --trials
constexpr int kRate = 1000;  // writes per second, open loop
constexpr int kWriters = 4;

struct Latencies {
  std::vector<double> ms;
  int errors = 0;
};

// Single-row updates of random rows at kRate/s until `stop`; latency from the scheduled start.
Latencies load(const std::string& dsn, const std::string& table, std::atomic<bool>& stop) {
  Latencies out;
  std::mutex mu;
  std::vector<std::thread> ws;
  for (int w = 0; w < kWriters; ++w) {
    ws.emplace_back([&, w] {
      pqxx::connection c(dsn);
      std::mt19937 rng(static_cast<unsigned>(w) * 7919u);
      std::uniform_int_distribution<int> id(1, g_rows);
      const auto period = std::chrono::microseconds(1000000LL * kWriters / kRate);
      auto next = Clock::now() + period * w / kWriters;
      std::vector<double> local;
      int errors = 0;
      while (!stop) {
        std::this_thread::sleep_until(next);
        try {
          pqxx::work tx(c);
          tx.exec("UPDATE " + table + " SET a = a + 1 WHERE id = " + std::to_string(id(rng)));
          tx.commit();
        } catch (const std::exception&) {
          ++errors;
        }
        local.push_back(std::chrono::duration<double, std::milli>(Clock::now() - next).count());
        next += period;
      }
      std::lock_guard lock(mu);
      out.ms.insert(out.ms.end(), local.begin(), local.end());
      out.errors += errors;
    });
  }
  for (auto& t : ws) t.join();
  std::sort(out.ms.begin(), out.ms.end());
  return out;
}

double pct(const std::vector<double>& v, double p) {
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

Latencies load_for(const std::string& dsn, std::chrono::seconds d) {
  std::atomic<bool> stop{false};
  Latencies out;
  std::thread t([&] { out = load(dsn, "b2", stop); });
  std::this_thread::sleep_for(d);
  stop = true;
  t.join();
  return out;
}

struct Trial {
  double base_p99, base_p999, p99, p999, max, rate_ratio;
  int errors;
};

double single_statement_rate(pqxx::connection& c) {
  bench::make_narrow_table(c, "b2_single", g_rows);
  const auto s0 = Clock::now();
  {
    pqxx::work tx(c);
    tx.exec0("UPDATE b2_single SET b = a");
    tx.commit();
  }
  const double rate = g_rows / std::chrono::duration<double>(Clock::now() - s0).count();
  pqxx::work tx(c);
  tx.exec0("DROP TABLE b2_single");
  tx.commit();
  return rate;
}

Trial run_trial(const std::string& dsn, pqxx::connection& c, std::chrono::milliseconds target,
                double duty) {
  bench::make_narrow_table(c, "b2", g_rows);
  const double single_rate = single_statement_rate(c);
  Latencies base = load_for(dsn, 5s);

  pqxx::connection fence_conn(dsn), work(dsn);
  auto fence = pg::Fence::acquire(fence_conn, "bench/b2");
  {
    pqxx::work tx(c);
    tx.exec0("UPDATE schemashift.migrations SET checkpoint = '{}' WHERE name = 'bench/b2'");
    tx.commit();
  }
  pg::Backfiller bf(work,
                    {.migration = "bench/b2",
                     .table = "b2",
                     .key_column = "id",
                     .set = "b = a",
                     .target_batch_duration = target,
                     .min_batch = 100,
                     .max_batch = 20000,
                     .initial_batch = 1000,
                     .duty_cycle = duty},
                    fence->epoch());
  bf.start();
  std::atomic<bool> stop{false};
  Latencies during;
  std::thread l2([&] { during = load(dsn, "b2", stop); });
  std::this_thread::sleep_for(300ms);
  const auto b0 = Clock::now();
  bf.run_for(std::chrono::hours(1));
  const double bf_rate = g_rows / std::chrono::duration<double>(Clock::now() - b0).count();
  stop = true;
  l2.join();

  Latencies after = load_for(dsn, 5s);
  base.ms.insert(base.ms.end(), after.ms.begin(), after.ms.end());
  base.errors += after.errors;
  std::sort(base.ms.begin(), base.ms.end());
  return {pct(base.ms, 0.99),         pct(base.ms, 0.999), pct(during.ms, 0.99),
          pct(during.ms, 0.999),      during.ms.back(),    bf_rate / single_rate,
          base.errors + during.errors};
}

// g_trials trials at one batch target and duty cycle: prints each, returns the summary.
nlohmann::json sweep(const std::string& dsn, pqxx::connection& c, std::chrono::milliseconds target,
                     double duty) {
  std::vector<double> p99_ratio, p999_ratio, max_during, rate_ratio, base_p99, bf_p99;
  int errors = 0;
  for (int t = 0; t < g_trials; ++t) {
    const Trial r = run_trial(dsn, c, target, duty);
    errors += r.errors;
    base_p99.push_back(r.base_p99);
    bf_p99.push_back(r.p99);
    p99_ratio.push_back(r.p99 / r.base_p99);
    p999_ratio.push_back(r.p999 / r.base_p999);
    max_during.push_back(r.max);
    rate_ratio.push_back(r.rate_ratio);
    std::printf(
        "  %lld ms batches, duty %.2f, trial %d: write p99 %.2f -> %.2f ms, p99.9 %.2f -> %.2f ms, "
        "max %.1f "
        "ms; backfill rate %.2fx single UPDATE\n",
        static_cast<long long>(target.count()), duty, t + 1, r.base_p99, r.p99, r.base_p999, r.p999,
        r.max, r.rate_ratio);
  }
  const auto r99 = bench::Stat::of(p99_ratio), r999 = bench::Stat::of(p999_ratio),
             mx = bench::Stat::of(max_during), rr = bench::Stat::of(rate_ratio);
  std::printf(
      "B2 [%lld ms batches, duty %.2f] write p99 during backfill / baseline: median %.2f (min "
      "%.2f, max "
      "%.2f); target <= 3\n",
      static_cast<long long>(target.count()), duty, r99.median, r99.min, r99.max);
  std::printf(
      "B2 [%lld ms batches, duty %.2f] p99 %.2f ms vs %.2f ms baseline (medians); p99.9 ratio "
      "%.2f; max "
      "latency median %.1f ms (target <= 50 ms); errors %d\n",
      static_cast<long long>(target.count()), duty, bench::Stat::of(bf_p99).median,
      bench::Stat::of(base_p99).median, r999.median, mx.median, errors);
  std::printf(
      "B2 [%lld ms batches, duty %.2f] backfill rate under load / idle single UPDATE: median %.2f "
      "(min %.2f, "
      "max %.2f); target >= 0.5\n",
      static_cast<long long>(target.count()), duty, rr.median, rr.min, rr.max);
  return {{"target_batch_ms", target.count()},
          {"duty_cycle", duty},
          {"baseline_write_p99_ms", bench::Stat::of(base_p99).json()},
          {"backfill_write_p99_ms", bench::Stat::of(bf_p99).json()},
          {"p99_ratio", r99.json()},
          {"p999_ratio", r999.json()},
          {"max_write_ms_during_backfill", mx.json()},
          {"write_errors", errors},
          {"backfill_rate_ratio", rr.json()},
          {"meets_targets", r99.median <= 3 && mx.median <= 50 && errors == 0 && rr.median >= 0.5}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  pqxx::connection c(dsn);
  pg::ensure_state_schema(c);
  g_rows = static_cast<int>(bench::int_arg(argc, argv, "--rows", g_rows));
  g_trials = static_cast<int>(bench::int_arg(argc, argv, "--trials", g_trials));
  // The rate-versus-p99 curve: batch targets at full speed, then paced (duty cycle) at 20 ms.
  const std::vector<std::pair<std::chrono::milliseconds, double>> points = {
      {20ms, 1.0}, {5ms, 1.0}, {20ms, 0.5}, {20ms, 0.25}};
  nlohmann::json sweeps = nlohmann::json::array();
  for (auto [target, duty] : points) sweeps.push_back(sweep(dsn, c, target, duty));
  std::printf(
      "B2 trade-off (medians): batch target, duty cycle -> write p99 ratio, backfill rate\n");
  for (const auto& s : sweeps) {
    std::printf(
        "B2   %3lld ms, %.2f -> p99 %.2fx baseline, max %.1f ms, rate %.2fx single UPDATE%s\n",
        s["target_batch_ms"].get<long long>(), s["duty_cycle"].get<double>(),
        s["p99_ratio"]["median"].get<double>(),
        s["max_write_ms_during_backfill"]["median"].get<double>(),
        s["backfill_rate_ratio"]["median"].get<double>(),
        s["meets_targets"].get<bool>() ? " (meets every target)" : "");
  }
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS b2");
    tx.exec0("DELETE FROM schemashift.migrations WHERE name = 'bench/b2'");
    tx.commit();
  }
  nlohmann::json report = {{"id", "B2"},
                           {"name", "backfill under load"},
                           {"rows", g_rows},
                           {"writes_per_second", kRate},
                           {"p99_ratio_target_max", 3},
                           {"max_write_target_ms", 50},
                           {"backfill_rate_ratio_target_min", 0.5},
                           {"by_batch_target", sweeps}};
  bench::write_report(bench::out_dir(argc, argv), "B2", report);
  return bench::verdict("B2", report);
}
