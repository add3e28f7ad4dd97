// B11 (benchmarks.md): the service's own overhead of a migration, through the real orders pod
// (its chart, on the real node): POST /v2/orders at a fixed rate through the Service with the
// orders.amount flag in dual-write (every order written to amount_cents and amount) ÷ in old
// mode, trials interleaved. Latency is measured from each request's scheduled send time, so a
// slow answer is not hidden by the next request waiting for it. p99 ratio ≤ 1.10, 0 errors.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <pqxx/pqxx>

#include "bench_report.h"
#include "e2e/services_shop.h"
#include "flags/flag_store.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift;
using Clock = std::chrono::steady_clock;

struct Trial {
  std::vector<double> ms;
  int errors = 0;
  double seconds = 0;
};

// `rate` POSTs a second for `duration`, from `workers` connections.
Trial fixed_rate(const std::string& url, int rate, std::chrono::seconds duration, int workers) {
  Trial t;
  std::mutex mu;
  std::atomic<long> next{0};
  const long total = rate * duration.count();
  const auto period = std::chrono::nanoseconds(1000000000L / rate);
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      httplib::Client c(url);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);  // else Nagle holds the body for the delayed ACK of the headers
      c.set_connection_timeout(std::chrono::seconds(5));
      c.set_read_timeout(std::chrono::seconds(10));
      std::vector<double> mine;
      int errors = 0;
      for (long i = next++; i < total; i = next++) {
        const auto scheduled = start + i * period;
        std::this_thread::sleep_until(scheduled);
        auto r = c.Post("/v2/orders",
                        R"({"customer_id": 1, "total_cents": )" + std::to_string(100 + i % 9000) +
                            R"(, "currency": "EUR"})",
                        "application/json");
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count();
        if (!r || r->status != 201) ++errors;
        mine.push_back(ms);
      }
      std::lock_guard lock(mu);
      t.ms.insert(t.ms.end(), mine.begin(), mine.end());
      t.errors += errors;
    });
  }
  for (auto& th : threads) th.join();
  t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return t;
}

void set_mode(pqxx::connection& c, const std::string& mode) {
  const auto gen = flags::set_flag(c, "orders.amount", mode);
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!flags::barrier(c, "orders.amount", gen, mode, {"orders"}, 1).held) {
    if (Clock::now() > deadline)
      throw std::runtime_error("orders.amount=" + mode + " never acknowledged");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const int rate = static_cast<int>(bench::int_arg(argc, argv, "--rate", 150));
  const int trials = static_cast<int>(bench::int_arg(argc, argv, "--trials", 4));
  const auto duration = std::chrono::seconds(bench::int_arg(argc, argv, "--seconds", 6));
  const std::string bin = SCHEMASHIFT_BINARY_DIR;
  auto prepared = testing::run_command(
      SCHEMASHIFT_SOURCE_DIR + std::string("/hack/image.sh all ") + bin.substr(0, bin.rfind('/')) +
      " orders-service schemashift-operator && HELM_BIN=" + testing::stack_var("HELM_BIN") + " " +
      SCHEMASHIFT_SOURCE_DIR + "/hack/services.sh deps");
  if (prepared.exit_code != 0) throw std::runtime_error("images/charts: " + prepared.output);

  testing::Shop shop;
  auto installed = shop.install(
      "orders", "--set resources.requests.cpu=500m --set resources.limits.memory=512Mi");
  if (installed.exit_code != 0)
    throw std::runtime_error("helm install orders: " + installed.output + shop.describe("orders"));
  pqxx::connection c(shop.db("orders").dsn());
  {
    pqxx::work tx(c);  // scenario 3's expand: both modes are valid from here on
    tx.exec0("ALTER TABLE orders ADD COLUMN amount numeric(12,2)");
    tx.commit();
  }
  const std::string url = shop.url("orders");
  set_mode(c, "old");
  (void)fixed_rate(url, rate, std::chrono::seconds(2), 16);  // warm-up: pool, caches

  std::vector<double> p99_old, p99_dual, rps_old, rps_dual;
  int errors = 0;
  for (int t = 0; t < trials; ++t) {
    for (const std::string mode : {"old", "dual-write"}) {
      set_mode(c, mode);
      const auto trial = fixed_rate(url, rate, duration, 16);
      errors += trial.errors;
      const double p99 = bench::percentile(trial.ms, 0.99);
      const double rps = static_cast<double>(trial.ms.size()) / trial.seconds;
      (mode == "old" ? p99_old : p99_dual).push_back(p99);
      (mode == "old" ? rps_old : rps_dual).push_back(rps);
      std::printf("B11 trial %d %-10s p50 %.2f ms, p99 %.2f ms, %.0f req/s, %d errors\n", t,
                  mode.c_str(), bench::percentile(trial.ms, 0.5), p99, rps, trial.errors);
    }
  }
  // The last trial was dual-write: its orders have both columns.
  const auto unfilled = std::stoll(testing::scalar(
      c,
      "SELECT count(*) FROM (SELECT amount, amount_cents FROM orders ORDER BY id DESC LIMIT "
      "100) t WHERE amount IS NULL OR amount_cents IS NULL"));
  const auto old_p99 = bench::Stat::of(p99_old), dual_p99 = bench::Stat::of(p99_dual);
  const auto old_rps = bench::Stat::of(rps_old), dual_rps = bench::Stat::of(rps_dual);
  const double ratio = dual_p99.median / old_p99.median;
  std::printf(
      "B11 orders through its pod at %d req/s: p99 dual-write %.2f ms ÷ old %.2f ms = %.3f; "
      "throughput %.0f ÷ %.0f req/s = %.3f\n",
      rate, dual_p99.median, old_p99.median, ratio, dual_rps.median, old_rps.median,
      dual_rps.median / old_rps.median);
  bench::Targets targets("B11");
  targets.at_most("p99 ratio dual-write / old", ratio, 1.10);
  targets.at_most("request errors", errors, 0);
  targets.note("throughput ratio dual-write / old", dual_rps.median / old_rps.median);
  targets.at_most("of the last 100 (dual-write) orders, written without both columns",
                  static_cast<double>(unfilled), 0);
  nlohmann::json report = {{"id", "B11"},
                           {"name", "service overhead of dual-write (orders, real pod)"},
                           {"rate", rate},
                           {"trials", trials},
                           {"p99_old_ms", old_p99.json()},
                           {"p99_dual_write_ms", dual_p99.json()},
                           {"rps_old", old_rps.json()},
                           {"rps_dual_write", dual_rps.json()},
                           {"p99_ratio", ratio}};
  const int rc = targets.finish(report);
  bench::write_report(bench::out_dir(argc, argv), "B11", report);
  return rc;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_services_overhead: %s\n", e.what());
  return 1;
}
