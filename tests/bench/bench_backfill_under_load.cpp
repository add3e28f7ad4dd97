// B2 (benchmarks.md): write latency during a backfill under open-loop load, divided by the
// same load with no backfill (p99, p99.9, max, errors); and the backfill's rate under load
// divided by a single-statement UPDATE's idle rate (B1's baseline), all in this run, 5 trials.
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

constexpr int kRows = 1000000;
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
      std::uniform_int_distribution<int> id(1, kRows);
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

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  pqxx::connection c(dsn);
  pg::ensure_state_schema(c);
  std::vector<double> p99_ratio, p999_ratio, max_during, rate_ratio, base_p99, bf_p99;
  int errors = 0;
  for (int t = 0; t < 5; ++t) {
    bench::make_narrow_table(c, "b2", kRows);
    // Idle single-statement rate on a fresh copy (B1's baseline), for the rate ratio.
    bench::make_narrow_table(c, "b2_single", kRows);
    const auto s0 = Clock::now();
    {
      pqxx::work tx(c);
      tx.exec0("UPDATE b2_single SET b = a");
      tx.commit();
    }
    const double single_rate = kRows / std::chrono::duration<double>(Clock::now() - s0).count();
    {
      pqxx::work tx(c);
      tx.exec0("DROP TABLE b2_single");
      tx.commit();
    }

    std::atomic<bool> stop{false};
    Latencies base;
    std::thread l1([&] { base = load(dsn, "b2", stop); });
    std::this_thread::sleep_for(5s);
    stop = true;
    l1.join();

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
                       .target_batch_duration = 20ms,
                       .min_batch = 100,
                       .max_batch = 20000,
                       .initial_batch = 1000},
                      fence->epoch());
    bf.start();
    stop = false;
    Latencies during;
    std::thread l2([&] { during = load(dsn, "b2", stop); });
    std::this_thread::sleep_for(300ms);
    const auto b0 = Clock::now();
    bf.run_for(std::chrono::hours(1));
    const double bf_rate = kRows / std::chrono::duration<double>(Clock::now() - b0).count();
    stop = true;
    l2.join();
    errors += base.errors + during.errors;
    base_p99.push_back(pct(base.ms, 0.99));
    bf_p99.push_back(pct(during.ms, 0.99));
    p99_ratio.push_back(pct(during.ms, 0.99) / pct(base.ms, 0.99));
    p999_ratio.push_back(pct(during.ms, 0.999) / pct(base.ms, 0.999));
    max_during.push_back(during.ms.back());
    rate_ratio.push_back(bf_rate / single_rate);
    std::printf(
        "trial %d: write p99 %.2f -> %.2f ms, p99.9 %.2f -> %.2f ms, max %.1f ms; backfill %.0f "
        "rows/s = %.2fx "
        "single UPDATE (%.0f rows/s)\n",
        t + 1, pct(base.ms, 0.99), pct(during.ms, 0.99), pct(base.ms, 0.999), pct(during.ms, 0.999),
        during.ms.back(), bf_rate, bf_rate / single_rate, single_rate);
  }
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS b2");
    tx.exec0("DELETE FROM schemashift.migrations WHERE name = 'bench/b2'");
    tx.commit();
  }
  const auto r99 = bench::Stat::of(p99_ratio), r999 = bench::Stat::of(p999_ratio),
             mx = bench::Stat::of(max_during), rr = bench::Stat::of(rate_ratio);
  std::printf(
      "B2 write p99 during backfill / baseline: median %.2f (min %.2f, max %.2f); target <= 3\n",
      r99.median, r99.min, r99.max);
  std::printf(
      "B2 write p99.9 ratio median %.2f; max latency during backfill median %.1f ms (target <= 50 "
      "ms); errors %d\n",
      r999.median, mx.median, errors);
  std::printf(
      "B2 backfill rate under load / idle single UPDATE: median %.2f (min %.2f, max %.2f); target "
      ">= 0.5\n",
      rr.median, rr.min, rr.max);
  nlohmann::json report = {
      {"id", "B2"},
      {"name", "backfill under load"},
      {"rows", kRows},
      {"writes_per_second", kRate},
      {"baseline_write_p99_ms", bench::Stat::of(base_p99).json()},
      {"backfill_write_p99_ms", bench::Stat::of(bf_p99).json()},
      {"p99_ratio", r99.json()},
      {"p99_ratio_target_max", 3},
      {"p999_ratio", r999.json()},
      {"max_write_ms_during_backfill", mx.json()},
      {"max_write_target_ms", 50},
      {"write_errors", errors},
      {"backfill_rate_ratio", rr.json()},
      {"backfill_rate_ratio_target_min", 0.5},
      {"meets_targets", r99.median <= 3 && mx.median <= 50 && errors == 0 && rr.median >= 0.5}};
  bench::write_report(bench::out_dir(argc, argv), "B2", report);
  return 0;
}
