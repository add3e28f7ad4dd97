// B5 (benchmarks.md): the worst write stall while an ADD COLUMN meets a long reader, the
// operator's path (short lock_timeout, retries) divided by the naive path (a plain ALTER that
// queues behind the reader, and every writer behind it). Open-loop writers at a fixed rate,
// latency counted from each write's scheduled start; 5 interleaved trials.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <pqxx/pqxx>

#include "bench_report.h"
#include "pg/ddl.h"
#include "pg/fence.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kReaderHold = 5000ms;
constexpr int kWritersPerSecond = 200;
constexpr int kWriters = 4;

// Runs open-loop writers on `table` until `stop`; returns the worst latency in ms.
double write_load(const std::string& dsn, const std::string& table, std::atomic<bool>& stop) {
  std::atomic<long long> worst_us{0};
  std::vector<std::thread> ws;
  for (int w = 0; w < kWriters; ++w) {
    ws.emplace_back([&, w] {
      pqxx::connection c(dsn);
      const auto period = std::chrono::microseconds(1000000LL * kWriters / kWritersPerSecond);
      auto next = Clock::now() + period * w / kWriters;
      while (!stop) {
        std::this_thread::sleep_until(next);
        pqxx::work tx(c);
        tx.exec0("INSERT INTO " + table + " (v) VALUES (1)");
        tx.commit();
        const auto lat =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - next).count();
        long long cur = worst_us.load();
        while (lat > cur && !worst_us.compare_exchange_weak(cur, lat)) {
        }
        next += period;
      }
    });
  }
  for (auto& t : ws) t.join();
  return static_cast<double>(worst_us.load()) / 1000.0;
}

double trial(const std::string& dsn, bool operator_path, const pg::DdlConfig& cfg) {
  pqxx::connection c(dsn);
  const std::string table = operator_path ? "b5_operator" : "b5_naive";
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS " + table);
    tx.exec0("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, v int)");
    tx.exec0("INSERT INTO " + table + " (v) SELECT g FROM generate_series(1, 10000) g");
    tx.commit();
  }
  std::atomic<bool> stop{false}, holding{false};
  double worst = 0;
  std::thread load([&] { worst = write_load(dsn, table, stop); });
  std::this_thread::sleep_for(500ms);
  std::thread reader([&] {
    pqxx::connection r(dsn);
    pqxx::work tx(r);
    tx.exec("SELECT count(*) FROM " + table);
    holding = true;
    std::this_thread::sleep_for(kReaderHold);
    tx.commit();
  });
  while (!holding) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(100ms);
  const std::string ddl = "ALTER TABLE " + table + " ADD COLUMN note text";
  if (operator_path) {
    auto r = pg::apply_ddl(c, ddl, cfg);
    if (!r) std::fprintf(stderr, "operator DDL failed: %s\n", r.error().message.c_str());
  } else {
    pqxx::work tx(c);
    tx.exec0(ddl);  // what a naive migration runs: no lock_timeout
    tx.commit();
  }
  reader.join();
  std::this_thread::sleep_for(300ms);
  stop = true;
  load.join();
  pqxx::work tx(c);
  tx.exec0("DROP TABLE " + table);
  tx.commit();
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  pqxx::connection fence_conn(dsn);
  auto fence = pg::Fence::acquire(fence_conn, "bench/b5");
  if (!fence) {
    std::fprintf(stderr, "%s\n", fence.error().c_str());
    return 1;
  }
  pg::DdlConfig cfg{.migration = "bench/b5", .epoch = fence->epoch()};
  std::vector<double> naive, op, ratio;
  for (int t = 0; t < 5; ++t) {
    naive.push_back(trial(dsn, false, cfg));
    op.push_back(trial(dsn, true, cfg));
    ratio.push_back(op.back() / naive.back());
    std::printf("trial %d: worst write stall naive %.0f ms, operator %.0f ms, ratio %.3f\n", t + 1,
                naive.back(), op.back(), ratio.back());
  }
  const auto r = bench::Stat::of(ratio), o = bench::Stat::of(op), n = bench::Stat::of(naive);
  const double bound = static_cast<double>(cfg.lock_timeout.count()) + 50;
  std::printf(
      "B5 worst write stall, operator / naive: median %.3f (min %.3f, max %.3f); target <= 0.03\n",
      r.median, r.min, r.max);
  std::printf(
      "B5 operator worst stall: median %.0f ms, max %.0f ms (bound lock_timeout + 50 ms = %.0f "
      "ms); naive "
      "median %.0f ms with a %lld ms reader\n",
      o.median, o.max, bound, n.median, static_cast<long long>(kReaderHold.count()));
  nlohmann::json report = {{"id", "B5"},
                           {"name", "DDL lock safety"},
                           {"reader_hold_ms", kReaderHold.count()},
                           {"writes_per_second", kWritersPerSecond},
                           {"naive_worst_stall_ms", n.json()},
                           {"operator_worst_stall_ms", o.json()},
                           {"ratio", r.json()},
                           {"ratio_target_max", 0.03},
                           {"operator_stall_bound_ms", bound},
                           {"meets_targets", r.median <= 0.03 && o.max <= bound}};
  bench::write_report(bench::out_dir(argc, argv), "B5", report);
  pqxx::work tx(fence_conn);
  tx.exec0("DELETE FROM schemashift.migrations WHERE name = 'bench/b5'");
  tx.commit();
  return bench::verdict("B5", report);
}
