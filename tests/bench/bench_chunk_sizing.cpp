// B3 (benchmarks.md): chunk sizing. On narrow tables, with the operator's Backfiller and its
// default sizing (20 ms target, 100..50,000 rows, starting at 1,000):
//   convergence: chunk time (wall time of a batch, commit included) ÷ target, p90 over
//     chunks 21-40, i.e. after 20 chunks to converge: within ±20%;
//   throughput: a whole backfill's rows/s ÷ the best fixed batch size of a sweep (1k, 5k, 20k,
//     50k), interleaved trials on fresh copies: >= 0.9;
//   load step: three sessions start burning CPU after chunk 40; chunks until three in a row
//     are back within ±20% of the target: <= 10 (the peak chunk time after the step is printed,
//     so a step that disturbed nothing is visible as such).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
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

constexpr auto kTarget = 20ms;
constexpr const char* kMigration = "bench/b3";

void reset_checkpoint(pqxx::connection& c) {
  pqxx::work tx(c);
  tx.exec0("UPDATE schemashift.migrations SET checkpoint = '{}' WHERE name = 'bench/b3'");
  tx.commit();
}

pg::BackfillConfig config(int min_batch, int max_batch, int initial) {
  return {.migration = kMigration,
          .table = "b3",
          .key_column = "id",
          .set = "b = a",
          .target_batch_duration = kTarget,
          .min_batch = min_batch,
          .max_batch = max_batch,
          .initial_batch = initial};
}

double ms_of(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A whole backfill of a fresh table; rows/s.
double full_rate(pqxx::connection& c, std::int64_t epoch, int rows, const pg::BackfillConfig& cfg) {
  bench::make_narrow_table(c, "b3", rows);
  reset_checkpoint(c);
  pg::Backfiller bf(c, cfg, epoch);
  bf.start();
  const auto t0 = Clock::now();
  while (!bf.run_batch().complete) {
  }
  return rows / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  const int rows = static_cast<int>(bench::int_arg(argc, argv, "--rows", 1000000));
  const int sweep_rows = static_cast<int>(bench::int_arg(argc, argv, "--sweep-rows", 300000));
  const int trials = static_cast<int>(bench::int_arg(argc, argv, "--trials", 3));
  pqxx::connection c(dsn), fence_conn(dsn);
  pg::ensure_state_schema(c);
  auto fence = pg::Fence::acquire(fence_conn, kMigration);
  if (!fence) {
    std::fprintf(stderr, "%s\n", fence.error().c_str());
    return 1;
  }
  const double target_ms = static_cast<double>(kTarget.count());

  // Convergence and the load step, on one long backfill.
  bench::make_narrow_table(c, "b3", rows);
  reset_checkpoint(c);
  pg::Backfiller bf(c, config(100, 50000, 1000), fence->epoch());
  bf.start();
  std::vector<double> chunk_ms;
  std::vector<int> sizes;
  auto batch = [&] {
    const int size = bf.progress().batch_size;
    const auto t0 = Clock::now();
    const auto r = bf.run_batch();
    chunk_ms.push_back(ms_of(Clock::now() - t0));
    sizes.push_back(size);
    return r.complete;
  };
  bool complete = false;
  for (int i = 0; i < 40 && !complete; ++i) complete = batch();
  std::vector<double> settled;
  for (std::size_t i = 20; i < chunk_ms.size(); ++i) settled.push_back(chunk_ms[i] / target_ms);
  std::printf("B3 chunk sizes 1-40: ");
  for (std::size_t i = 0; i < sizes.size(); ++i)
    std::printf("%d%s", sizes[i], i + 1 < sizes.size() ? " " : "\n");

  std::atomic<bool> stop{false};
  std::vector<std::thread> hogs;
  for (int h = 0; h < 3; ++h) {
    hogs.emplace_back([&] {
      pqxx::connection hc(dsn);
      while (!stop) {
        try {
          pqxx::nontransaction nt(hc);
          nt.exec("SELECT count(*) FROM generate_series(1, 3000000)");
        } catch (const std::exception&) {
        }
      }
    });
  }
  std::this_thread::sleep_for(100ms);
  const std::size_t step_at = chunk_ms.size();
  int recovered_after = -1, in_band = 0;
  double peak = 0;
  for (int i = 0; i < 40 && !complete; ++i) {
    complete = batch();
    const double r = chunk_ms.back() / target_ms;
    peak = std::max(peak, r);
    in_band = (r >= 0.8 && r <= 1.2) ? in_band + 1 : 0;
    if (in_band == 3 && recovered_after < 0) recovered_after = i + 1 - 2;  // first of the three
  }
  stop = true;
  for (auto& h : hogs) h.join();
  std::printf("B3 chunk ms after the load step: ");
  for (std::size_t i = step_at; i < chunk_ms.size(); ++i)
    std::printf("%.0f%s", chunk_ms[i], i + 1 < chunk_ms.size() ? " " : "\n");

  // Throughput against a sweep of fixed sizes, interleaved.
  const std::vector<int> fixed = {1000, 5000, 20000, 50000};
  std::vector<std::vector<double>> fixed_rates(fixed.size());
  std::vector<double> adaptive_rates;
  for (int t = 0; t < trials; ++t) {
    adaptive_rates.push_back(full_rate(c, fence->epoch(), sweep_rows, config(100, 50000, 1000)));
    for (std::size_t i = 0; i < fixed.size(); ++i) {
      fixed_rates[i].push_back(
          full_rate(c, fence->epoch(), sweep_rows, config(fixed[i], fixed[i], fixed[i])));
    }
    std::printf("trial %d: adaptive %.0f rows/s; fixed", t + 1, adaptive_rates.back());
    for (std::size_t i = 0; i < fixed.size(); ++i)
      std::printf(" %d: %.0f", fixed[i], fixed_rates[i].back());
    std::printf("\n");
  }
  double best = 0;
  int best_size = 0;
  for (std::size_t i = 0; i < fixed.size(); ++i) {
    const double m = bench::Stat::of(fixed_rates[i]).median;
    if (m > best) best = m, best_size = fixed[i];
  }
  const double adaptive = bench::Stat::of(adaptive_rates).median;
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS b3");
    tx.exec0("DELETE FROM schemashift.migrations WHERE name = 'bench/b3'");
    tx.commit();
  }

  bench::Targets targets("B3");
  targets.within("p90 chunk time / target, chunks 21-40", bench::percentile(settled, 0.9), 0.8,
                 1.2);
  targets.note("median chunk time / target, chunks 21-40", bench::percentile(settled, 0.5));
  targets.note("best fixed batch size of the sweep", best_size);
  targets.at_least(
      "adaptive rows/s / best fixed size's (medians of " + std::to_string(trials) + ")",
      best > 0 ? adaptive / best : 0, 0.9);
  targets.note("peak chunk time / target after the load step", peak);
  targets.at_most("chunks to recover after the load step (-1: never)",
                  recovered_after < 0 ? 1e9 : recovered_after, 10);
  nlohmann::json report = {{"id", "B3"},
                           {"name", "chunk sizing"},
                           {"rows", rows},
                           {"sweep_rows", sweep_rows},
                           {"target_batch_ms", target_ms},
                           {"chunk_ms", chunk_ms},
                           {"chunk_sizes", sizes},
                           {"load_step_at_chunk", step_at},
                           {"recovered_after_chunks", recovered_after},
                           {"adaptive_rows_per_s", bench::Stat::of(adaptive_rates).json()},
                           {"best_fixed_size", best_size},
                           {"best_fixed_rows_per_s", best}};
  const int rc = targets.finish(report);
  bench::write_report(bench::out_dir(argc, argv), "B3", report);
  return rc;
}
