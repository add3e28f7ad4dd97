// B12 (benchmarks.md): the cost of the trigger dual-write on the writers that cannot change.
// The same table and the same writes (single-row UPDATEs of the old column, one in ten an
// INSERT), with the trigger installed (pg/dual_write_trigger, as expand installs it) and
// without, interleaved over 5 trials: write p99 under open-loop load at a fixed rate (latency
// from the scheduled start), and closed-loop throughput of 4 writers. Ratios trigger ÷ none.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include <pqxx/pqxx>

#include "bench_report.h"
#include "pg/dual_write_trigger.h"
#include "pg/fence.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kWriters = 4;
constexpr const char* kMigration = "bench/b12";

struct Sample {
  std::vector<double> ms;
  long long writes = 0;
  int errors = 0;
};

void write_one(pqxx::connection& c, std::mt19937& rng, int rows, long long n) {
  pqxx::work tx(c);
  if (n % 10 == 9) {
    tx.exec0("INSERT INTO b12 (amount_cents) VALUES (" + std::to_string(n % 100000) + ")");
  } else {
    std::uniform_int_distribution<int> id(1, rows);
    tx.exec0("UPDATE b12 SET amount_cents = amount_cents + 1 WHERE id = " +
             std::to_string(id(rng)));
  }
  tx.commit();
}

// kWriters connections; open loop at `rate` writes/s (rate > 0) or as fast as they can.
Sample load(const std::string& dsn, int rows, int rate, std::chrono::milliseconds d) {
  Sample out;
  std::mutex mu;
  std::vector<std::thread> ws;
  const auto end = Clock::now() + d;
  for (int w = 0; w < kWriters; ++w) {
    ws.emplace_back([&, w] {
      pqxx::connection c(dsn);
      std::mt19937 rng(static_cast<unsigned>(w) * 7919u + 1);
      const auto period = rate > 0 ? std::chrono::microseconds(1000000LL * kWriters / rate)
                                   : std::chrono::microseconds(0);
      auto next = Clock::now() + period * w / kWriters;
      Sample local;
      for (long long n = w; Clock::now() < end; n += kWriters) {
        if (rate > 0) std::this_thread::sleep_until(next);
        const auto start = rate > 0 ? next : Clock::now();
        try {
          write_one(c, rng, rows, n);
          ++local.writes;
        } catch (const std::exception&) {
          ++local.errors;
        }
        local.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        next += period;
      }
      std::lock_guard lock(mu);
      out.ms.insert(out.ms.end(), local.ms.begin(), local.ms.end());
      out.writes += local.writes;
      out.errors += local.errors;
    });
  }
  for (auto& t : ws) t.join();
  return out;
}

void set_trigger(pqxx::connection& c, std::int64_t epoch, bool on) {
  const pg::DdlConfig cfg{.migration = kMigration, .epoch = epoch};
  auto r = on ? pg::install_dual_write_trigger(c,
                                               {kMigration, "b12", "amount_cents", "amount",
                                                "amount_cents / 100.0", "(amount * 100)::int"},
                                               cfg)
              : pg::remove_dual_write_trigger(c, kMigration, cfg);
  if (!r) throw std::runtime_error(r.error().message);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  const int rows = static_cast<int>(bench::int_arg(argc, argv, "--rows", 200000));
  const int rate = static_cast<int>(bench::int_arg(argc, argv, "--rate", 1000));
  const int trials = static_cast<int>(bench::int_arg(argc, argv, "--trials", 5));
  const auto open_for = std::chrono::milliseconds(bench::int_arg(argc, argv, "--open-ms", 4000));
  const auto closed_for =
      std::chrono::milliseconds(bench::int_arg(argc, argv, "--closed-ms", 3000));
  pqxx::connection c(dsn), fence_conn(dsn);
  pg::ensure_state_schema(c);
  auto fence = pg::Fence::acquire(fence_conn, kMigration);
  if (!fence) {
    std::fprintf(stderr, "%s\n", fence.error().c_str());
    return 1;
  }
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS b12");
    tx.exec0(
        "CREATE TABLE b12 (id bigserial PRIMARY KEY, amount_cents int NOT NULL, amount "
        "numeric(12,2))");
    tx.exec0("INSERT INTO b12 (amount_cents, amount) SELECT g, g / 100.0 FROM generate_series(1, " +
             std::to_string(rows) + ") g");
    tx.commit();
    pqxx::nontransaction(c).exec0("VACUUM ANALYZE b12");
  }
  std::vector<double> p99_ratio, tput_ratio, p99_none, p99_trig, tput_none, tput_trig;
  int errors = 0;
  bool parity = true;
  for (int t = 0; t < trials; ++t) {
    double p99[2], tput[2];
    // Alternate which side goes first, so drift of the machine does not favour one.
    for (int k = 0; k < 2; ++k) {
      const bool with = (k == 0) == (t % 2 == 0);
      set_trigger(c, fence->epoch(), with);
      const Sample open = load(dsn, rows, rate, open_for);
      const Sample closed = load(dsn, rows, 0, closed_for);
      errors += open.errors + closed.errors;
      p99[with] = bench::percentile(open.ms, 0.99);
      tput[with] =
          static_cast<double>(closed.writes) / std::chrono::duration<double>(closed_for).count();
    }
    p99_none.push_back(p99[0]);
    p99_trig.push_back(p99[1]);
    tput_none.push_back(tput[0]);
    tput_trig.push_back(tput[1]);
    p99_ratio.push_back(p99[1] / p99[0]);
    tput_ratio.push_back(tput[1] / tput[0]);
    std::printf(
        "trial %d: write p99 %.2f ms without, %.2f ms with the trigger (%.2fx); throughput %.0f "
        "-> %.0f writes/s (%.2fx)\n",
        t + 1, p99[0], p99[1], p99_ratio.back(), tput[0], tput[1], tput_ratio.back());
  }
  // The trigger did its job while it was in: rows an old writer updates get the new column.
  set_trigger(c, fence->epoch(), true);
  {
    pqxx::work tx(c);
    tx.exec0("UPDATE b12 SET amount_cents = amount_cents + 3 WHERE id % 97 = 0");
    tx.commit();
  }
  {
    pqxx::nontransaction nt(c);
    parity = nt.exec1(
                   "SELECT count(*) FROM b12 WHERE id % 97 = 0 AND amount * 100 IS DISTINCT "
                   "FROM amount_cents")[0]
                 .as<long long>() == 0;
  }
  set_trigger(c, fence->epoch(), false);
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS b12");
    tx.exec0("DELETE FROM schemashift.migrations WHERE name = 'bench/b12'");
    tx.commit();
  }
  const auto pr = bench::Stat::of(p99_ratio), tr = bench::Stat::of(tput_ratio);
  std::printf("B12 over %d trials, %d rows, open loop %d writes/s, %d writers; median (min-max)\n",
              trials, rows, rate, kWriters);
  bench::Targets targets("B12");
  targets.note("write p99 without trigger, ms (median)", bench::Stat::of(p99_none).median);
  targets.note("write p99 with trigger, ms (median)", bench::Stat::of(p99_trig).median);
  targets.note("throughput without trigger, writes/s (median)", bench::Stat::of(tput_none).median);
  targets.note("throughput with trigger, writes/s (median)", bench::Stat::of(tput_trig).median);
  std::printf("B12 p99 ratio min %.2f max %.2f; throughput ratio min %.2f max %.2f\n", pr.min,
              pr.max, tr.min, tr.max);
  targets.at_most("write p99 with trigger / without (median)", pr.median, 1.3);
  targets.at_least("throughput with trigger / without (median)", tr.median, 0.8);
  targets.at_most("write errors", errors, 0);
  targets.at_least("rows in step after trigger writes (1 = yes)", parity ? 1 : 0, 1);
  nlohmann::json report = {{"id", "B12"},
                           {"name", "trigger dual-write cost"},
                           {"rows", rows},
                           {"writes_per_second", rate},
                           {"trials", trials},
                           {"p99_ratio", pr.json()},
                           {"throughput_ratio", tr.json()},
                           {"p99_ms_without", bench::Stat::of(p99_none).json()},
                           {"p99_ms_with", bench::Stat::of(p99_trig).json()},
                           {"throughput_without", bench::Stat::of(tput_none).json()},
                           {"throughput_with", bench::Stat::of(tput_trig).json()}};
  const int rc = targets.finish(report);
  bench::write_report(bench::out_dir(argc, argv), "B12", report);
  return rc;
}
