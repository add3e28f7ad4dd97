// B1 (benchmarks.md): idle backfill rate divided by a single-statement UPDATE of the same
// table with the same transform, both measured in this run on fresh copies of a narrow table
// (interleaved, 5 trials, median with min-max), on 1M and on 10M narrow rows; and WAL written
// per row by each.
#include <chrono>
#include <cstdio>

#include <pqxx/pqxx>

#include "bench_report.h"
#include "bench_tables.h"
#include "pg/backfill.h"
#include "pg/fence.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift;
using Clock = std::chrono::steady_clock;

constexpr int kTrials = 5;

std::int64_t wal_lsn(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  return tx.exec("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")[0][0]
      .as<std::int64_t>();
}

// kTrials interleaved trials on `rows` rows; judged into `targets`, summarised as JSON.
nlohmann::json measure(const std::string& dsn, pqxx::connection& c, int rows,
                       bench::Targets& targets) {
  std::vector<double> single, batched, ratio, wal_single, wal_batched;
  for (int t = 0; t < kTrials; ++t) {
    // Baseline: one UPDATE statement.
    bench::make_narrow_table(c, "b1_single", rows);
    const auto w0 = wal_lsn(c);
    const auto t0 = Clock::now();
    {
      pqxx::work tx(c);
      tx.exec0("UPDATE b1_single SET b = a");
      tx.commit();
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    wal_single.push_back(static_cast<double>(wal_lsn(c) - w0) / rows);
    single.push_back(rows / s);

    // Contender: the operator's backfill, same table shape and transform.
    bench::make_narrow_table(c, "b1_backfill", rows);
    pqxx::connection fence_conn(dsn);
    auto fence = pg::Fence::acquire(fence_conn, "bench/b1");
    if (!fence) throw std::runtime_error(fence.error());
    pg::Backfiller bf(
        c, {.migration = "bench/b1", .table = "b1_backfill", .key_column = "id", .set = "b = a"},
        fence->epoch());
    {
      pqxx::work tx(c);
      tx.exec0("UPDATE schemashift.migrations SET checkpoint = '{}' WHERE name = 'bench/b1'");
      tx.commit();
    }
    bf.start();
    const auto w1 = wal_lsn(c);
    const auto t1 = Clock::now();
    while (!bf.run_batch().complete) {
    }
    const double b = std::chrono::duration<double>(Clock::now() - t1).count();
    wal_batched.push_back(static_cast<double>(wal_lsn(c) - w1) / rows);
    batched.push_back(rows / b);
    ratio.push_back(batched.back() / single.back());
    std::printf(
        "trial %d: single UPDATE %.0f rows/s, backfill %.0f rows/s (final batch %d), ratio %.2f\n",
        t + 1, single.back(), batched.back(), bf.progress().batch_size, ratio.back());
  }
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS b1_single");
    tx.exec0("DROP TABLE IF EXISTS b1_backfill");
    tx.exec0("DELETE FROM schemashift.migrations WHERE name = 'bench/b1'");
    tx.commit();
  }
  const auto r = bench::Stat::of(ratio);
  const auto ws = bench::Stat::of(wal_single), wb = bench::Stat::of(wal_batched);
  const std::string at = " on " + std::to_string(rows) + " rows";
  std::printf("B1%s: backfill / single UPDATE min %.2f max %.2f over %d trials\n", at.c_str(),
              r.min, r.max, kTrials);
  targets.at_least("backfill / single UPDATE rows/s (median)" + at, r.median, 0.9);
  targets.at_most("WAL per row, backfill / single UPDATE" + at, wb.median / ws.median, 1.1);
  return {{"rows", rows},
          {"trials", kTrials},
          {"single_update_rows_per_s", bench::Stat::of(single).json()},
          {"backfill_rows_per_s", bench::Stat::of(batched).json()},
          {"ratio", r.json()},
          {"ratio_target_min", 0.9},
          {"wal_bytes_per_row_single", ws.json()},
          {"wal_bytes_per_row_backfill", wb.json()},
          {"wal_ratio", wb.median / ws.median},
          {"wal_ratio_target_max", 1.1}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  pqxx::connection c(dsn);
  pg::ensure_state_schema(c);
  // 1M and 10M narrow rows by default (--rows N measures one size only).
  std::vector<int> sizes = {1000000, 10000000};
  if (const auto n = bench::int_arg(argc, argv, "--rows", 0); n > 0) sizes = {static_cast<int>(n)};
  bench::Targets targets("B1");
  nlohmann::json report = {
      {"id", "B1"}, {"name", "idle backfill"}, {"by_size", nlohmann::json::array()}};
  for (int rows : sizes) report["by_size"].push_back(measure(dsn, c, rows, targets));
  const int rc = targets.finish(report);
  bench::write_report(bench::out_dir(argc, argv), "B1", report);
  return rc;
}
