// B10 (benchmarks.md): time from a flag write to every instance's acknowledgement, with
// NOTIFY (the design) and, as the same-run baseline, with polling only (1 s), 6 instances,
// 20 writes each; p50, p99 and max.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <pqxx/pqxx>

#include "bench_report.h"
#include "flag_agent.h"
#include "flags/flag_store.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift;
using Clock = std::chrono::steady_clock;

std::vector<double> propagation(const std::string& dsn, bool listen, int instances, int writes) {
  pqxx::connection c(dsn);
  flags::ensure_flag_schema(c);
  const std::string service =
      std::string("b10-") + (listen ? "notify-" : "poll-") + testing::unique_suffix();
  const std::string key = "bench." + service;
  std::vector<std::unique_ptr<svc::FlagAgent>> agents;
  for (int i = 0; i < instances; ++i) {
    agents.push_back(std::make_unique<svc::FlagAgent>(
        svc::AgentOptions{.dsn = dsn,
                          .service = service,
                          .instance = "i" + std::to_string(i),
                          .poll = std::chrono::milliseconds(1000),
                          .heartbeat = std::chrono::milliseconds(1000),
                          .listen = listen},
        [](const std::string&, const std::string&) { return true; }));
    agents.back()->start();
  }
  std::vector<double> ms;
  for (int w = 0; w < writes; ++w) {
    const std::string value = "v" + std::to_string(w);
    const auto t0 = Clock::now();
    const auto gen = flags::set_flag(c, key, value);
    while (!flags::barrier(c, key, gen, value, {service}, instances).held &&
           Clock::now() - t0 < std::chrono::seconds(10)) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& a : agents) a->stop();
  return ms;
}

nlohmann::json percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {{"p50", v[v.size() / 2]},
          {"p99", v[std::min(v.size() - 1, v.size() * 99 / 100)]},
          {"max", v.back()}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  constexpr int kInstances = 6, kWrites = 20;
  auto notify = propagation(dsn, true, kInstances, kWrites);
  auto poll = propagation(dsn, false, kInstances, kWrites);
  const auto n = percentiles(notify), p = percentiles(poll);
  std::printf(
      "B10 flag write -> %d instances acknowledged, NOTIFY: p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
      "target p99 <= 100 ms\n",
      kInstances, n["p50"].get<double>(), n["p99"].get<double>(), n["max"].get<double>());
  std::printf(
      "B10 baseline, 1 s polling only: p50 %.1f ms, p99 %.1f ms (NOTIFY is %.0fx faster at p50)\n",
      p["p50"].get<double>(), p["p99"].get<double>(),
      p["p50"].get<double>() / n["p50"].get<double>());
  nlohmann::json report = {{"id", "B10"},
                           {"name", "flag propagation"},
                           {"instances", kInstances},
                           {"writes", kWrites},
                           {"notify_ms", n},
                           {"poll_only_ms", p},
                           {"p99_target_ms", 100},
                           {"meets_targets", n["p99"].get<double>() <= 100}};
  bench::write_report(bench::out_dir(argc, argv), "B10", report);
  return bench::verdict("B10", report);
}
