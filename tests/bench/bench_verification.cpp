// B6 (benchmarks.md): verification. On a narrow table (id, a, b) whose b the operator's
// Backfiller copied from a, in interleaved trials on fresh copies:
//   verify rows/s (pg/verify's chunked comparison, a against b) ÷ a raw scan of both columns
//     in one session (no parallel workers, as the verifier has none);
//   verify time ÷ the backfill's time for the same table;
//   correctness: the clean table reports nothing (no false positive); then corrupt rows are
//   injected at random keys (changed values and NULLs), and every chunk the verifier names
//   must hold exactly the injected rows the test put there, and every injected row's chunk
//   must be named (every corrupt row found, no false positive).
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <regex>
#include <set>

#include <pqxx/pqxx>

#include "bench_report.h"
#include "bench_tables.h"
#include "pg/backfill.h"
#include "pg/fence.h"
#include "pg/verify.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift;
using Clock = std::chrono::steady_clock;

constexpr const char* kMigration = "bench/b6";
constexpr int kChunk = 50000;
constexpr int kCorrupt = 40;

double secs(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  const int rows = static_cast<int>(bench::int_arg(argc, argv, "--rows", 1000000));
  const int trials = static_cast<int>(bench::int_arg(argc, argv, "--trials", 3));
  pqxx::connection c(dsn), fence_conn(dsn);
  pg::ensure_state_schema(c);
  auto fence = pg::Fence::acquire(fence_conn, kMigration);
  if (!fence) {
    std::fprintf(stderr, "%s\n", fence.error().c_str());
    return 1;
  }
  std::vector<double> ratio_scan, ratio_backfill, verify_rate, scan_rate;
  int false_positives = 0, missed = 0, clean_failures = 0;
  std::mt19937 rng(6);
  const std::regex range(R"(\((-?\d+), (-?\d+)\]: (\d+) rows differ)");
  for (int t = 0; t < trials; ++t) {
    bench::make_narrow_table(c, "b6", rows);
    {
      pqxx::work tx(c);
      tx.exec0("UPDATE schemashift.migrations SET checkpoint = '{}' WHERE name = 'bench/b6'");
      tx.commit();
    }
    pg::Backfiller bf(c,
                      {.migration = kMigration, .table = "b6", .key_column = "id", .set = "b = a"},
                      fence->epoch());
    bf.start();
    auto t0 = Clock::now();
    while (!bf.run_batch().complete) {
    }
    const double backfill_s = secs(t0);
    pqxx::nontransaction(c).exec0("VACUUM ANALYZE b6");

    // Raw scan and verify, in alternating order.
    double scan_s = 0, verify_s = 0;
    pg::VerifyReport clean;
    for (int k = 0; k < 2; ++k) {
      if ((k == 0) == (t % 2 == 0)) {
        // One session, as the verifier is: no parallel workers for the baseline either.
        pqxx::nontransaction nt(c);
        nt.exec0("SET max_parallel_workers_per_gather = 0");
        t0 = Clock::now();
        nt.exec("SELECT sum(a::bigint), sum(b::bigint), count(*) FROM b6");
        scan_s = secs(t0);
        nt.exec0("RESET max_parallel_workers_per_gather");
      } else {
        t0 = Clock::now();
        clean = pg::compare_checksums(c, {"b6", "id", "a", "b", kChunk});
        verify_s = secs(t0);
      }
    }
    clean_failures += static_cast<int>(clean.failures.size());
    scan_rate.push_back(rows / scan_s);
    verify_rate.push_back(static_cast<double>(clean.rows_checked) / verify_s);
    ratio_scan.push_back(verify_rate.back() / scan_rate.back());
    ratio_backfill.push_back(verify_s / backfill_s);

    // Corruption the verifier has not seen: changed values and lost ones (NULL).
    std::set<int> ids;
    std::uniform_int_distribution<int> pick(1, rows);
    while (static_cast<int>(ids.size()) < std::min(kCorrupt, rows)) ids.insert(pick(rng));
    std::map<std::pair<long long, long long>, int> expected;  // chunk (lo, hi] -> rows
    {
      pqxx::work tx(c);
      int n = 0;
      for (int id : ids) {
        tx.exec0(std::string("UPDATE b6 SET b = ") + (n++ % 4 == 0 ? "NULL" : "b + 1") +
                 " WHERE id = " + std::to_string(id));
        const long long lo = (id - 1) / kChunk * kChunk;
        ++expected[{lo, std::min<long long>(lo + kChunk, rows)}];
      }
      tx.commit();
    }
    const auto corrupt = pg::compare_checksums(c, {"b6", "id", "a", "b", kChunk});
    std::map<std::pair<long long, long long>, int> found;
    for (const auto& f : corrupt.failures) {
      std::smatch m;
      if (!std::regex_search(f, m, range)) {
        ++false_positives;  // a failure the test cannot place is not evidence of anything
        continue;
      }
      found[{std::stoll(m[1]), std::stoll(m[2])}] = std::stoi(m[3]);
    }
    for (const auto& [chunk, n] : found) {
      auto it = expected.find(chunk);
      const int want = it == expected.end() ? 0 : it->second;
      if (n > want) false_positives += n - want;
      if (n < want) missed += want - n;
    }
    for (const auto& [chunk, n] : expected)
      if (!found.count(chunk)) missed += n;
    std::printf(
        "trial %d: backfill %.2f s, raw scan %.0f rows/s, verify %.0f rows/s (%.2fx scan, %.1f%% "
        "of the backfill's time); %zu corrupt rows injected in %zu chunks, %zu chunks named\n",
        t + 1, backfill_s, scan_rate.back(), verify_rate.back(), ratio_scan.back(),
        100 * ratio_backfill.back(), ids.size(), expected.size(), found.size());
  }
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS b6");
    tx.exec0("DELETE FROM schemashift.migrations WHERE name = 'bench/b6'");
    tx.commit();
  }
  bench::Targets targets("B6");
  targets.note("raw scan rows/s (median)", bench::Stat::of(scan_rate).median);
  targets.note("verify rows/s (median)", bench::Stat::of(verify_rate).median);
  targets.at_least("verify rows/s / raw scan rows/s (median)", bench::Stat::of(ratio_scan).median,
                   0.3);
  targets.at_most("verify time / backfill time (median)", bench::Stat::of(ratio_backfill).median,
                  0.15);
  targets.at_most("injected corrupt rows not found", missed, 0);
  targets.at_most("false positives (corrupt rows reported beyond those injected)",
                  false_positives + clean_failures, 0);
  nlohmann::json report = {{"id", "B6"},
                           {"name", "verification"},
                           {"rows", rows},
                           {"trials", trials},
                           {"chunk_rows", kChunk},
                           {"corrupt_rows_per_trial", kCorrupt},
                           {"verify_over_scan", bench::Stat::of(ratio_scan).json()},
                           {"verify_over_backfill_time", bench::Stat::of(ratio_backfill).json()}};
  const int rc = targets.finish(report);
  bench::write_report(bench::out_dir(argc, argv), "B6", report);
  return rc;
}
