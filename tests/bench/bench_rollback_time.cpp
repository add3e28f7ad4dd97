// B7 (benchmarks.md): time from an SLO breach to a completed automatic rollback (flags back
// to old, every instance acknowledged, new structures dropped), with two service instances
// (flag agents behind a real Deployment whose replicas kwok keeps ready) and a client writing
// to the table throughout: its failed writes are counted. The target names p99, which needs
// at least 100 trials (the default, --trials N); with fewer, the p95 is judged instead (20
// trials or more) and the output says so: a p99 of 20 trials would only be their maximum.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <httplib.h>
#include <pqxx/pqxx>

#include "bench_report.h"
#include "flag_agent.h"
#include "support/helpers.h"
#include "support/http_endpoint.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace schemashift;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::HttpEndpoint;
using testing::kubectl;

std::string apply(const std::string& yaml) {
  const std::string path = "/tmp/schemashift-b7-" + testing::unique_suffix() + ".yaml";
  std::ofstream(path) << yaml;
  return testing::run_command(kubectl("apply -f " + path)).output;
}

std::string phase(const std::string& ns, const std::string& name) {
  return testing::run_command(
             kubectl("-n " + ns + " get smig " + name + " -o jsonpath='{.status.phase}'"))
      .output;
}

}  // namespace

int main(int argc, char** argv) {
  const int kTrials = static_cast<int>(bench::int_arg(argc, argv, "--trials", 100));
  const std::string dsn = testing::stack_var("PG_ORDERS_DSN");
  const std::string ns = "bench-b7-" + testing::unique_suffix();
  testing::run_command(kubectl("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/"));
  testing::run_command(kubectl("create namespace " + ns));
  testing::run_command(kubectl("-n " + ns + " create secret generic orders-db --from-literal=dsn=" +
                               testing::shell_quote(dsn)));
  testing::run_command(kubectl(
      "-n " + ns + " create deployment orders --image=registry.invalid/orders:1 --replicas=2"));
  // Its pods belong on the kwok node (nothing runs; the image does not exist), not the real one.
  testing::run_command(kubectl(
      "-n " + ns +
      " patch deployment orders --type=merge -p '{\"spec\":{\"template\":{\"spec\":"
      "{\"nodeSelector\":{\"type\":\"kwok\"},\"tolerations\":[{\"key\":\"kwok.x-k8s.io/node\","
      "\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]}}}}'"));
  testing::run_command(kubectl("-n " + ns + " rollout status deployment/orders --timeout=60s"));
  std::vector<std::unique_ptr<svc::FlagAgent>> instances;
  for (const char* id : {"orders-a", "orders-b"}) {
    instances.push_back(std::make_unique<svc::FlagAgent>(
        svc::AgentOptions{.dsn = dsn, .service = "orders", .instance = id, .heartbeat = 500ms},
        [](const std::string&, const std::string&) { return true; }));
    instances.back()->start();
  }
  std::atomic<double> error_ratio{0};
  HttpEndpoint slo("/slo", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"errorRatio\": " + std::to_string(error_ratio.load()) + "}",
                    "application/json");
  });
  testing::Subprocess op({std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator",
                          "--kubeconfig", testing::stack_var("KUBECONFIG"), "--namespace", ns,
                          "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                          "--log-level", "warn"});
  pqxx::connection db(dsn);
  std::vector<double> seconds;
  std::atomic<int> failed_writes{0}, writes{0};
  for (int t = 0; t < kTrials; ++t) {
    const std::string table = "b7_" + std::to_string(t) + "_" + testing::unique_suffix();
    {
      pqxx::work tx(db);
      tx.exec0("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, amount_cents int NOT NULL)");
      tx.exec0("INSERT INTO " + table +
               " (amount_cents) SELECT g FROM generate_series(1, 50000) g");
      tx.commit();
    }
    error_ratio = 0;
    std::atomic<bool> stop{false};
    std::thread client([&] {  // an old-version client: writes only the old shape
      pqxx::connection c(dsn);
      while (!stop) {
        try {
          pqxx::work tx(c);
          tx.exec0("INSERT INTO " + table + " (amount_cents) VALUES (100)");
          tx.commit();
          ++writes;
        } catch (const std::exception&) {
          ++failed_writes;
        }
        std::this_thread::sleep_for(5ms);
      }
    });
    const std::string name = "m" + std::to_string(t);
    apply("apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: " + name +
          ", namespace: " + ns +
          "}\nspec:\n  database: {secretRef: {name: orders-db}}\n"
          "  targets: [{service: orders, deployment: orders, flagKey: orders.amount}]\n"
          "  expand: {sql: [\"ALTER TABLE " +
          table +
          " ADD COLUMN IF NOT EXISTS amount numeric(12,2)\"]}\n"
          "  backfill: {table: " +
          table +
          ", keyColumn: id, set: \"amount = amount_cents / 100.0\", maxBatch: 200, "
          "targetBatchDuration: 20ms}\n"
          "  contract: {sql: [\"ALTER TABLE " +
          table +
          " DROP COLUMN amount_cents\"], approval: Manual}\n"
          "  rollback: {sql: [\"ALTER TABLE " +
          table +
          " DROP COLUMN IF EXISTS amount\"]}\n"
          "  gates:\n  - {name: orders-errors, provider: web, url: \"" +
          slo.url("/slo") + "\", jsonPath: errorRatio, max: 0.05, intervalSeconds: 0.2}\n");
    const auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline && phase(ns, name) != "Backfilling")
      std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(300ms);
    error_ratio = 0.5;
    const auto breach = Clock::now();
    while (Clock::now() - breach < 60s && phase(ns, name) != "RolledBack")
      std::this_thread::sleep_for(20ms);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - breach).count());
    stop = true;
    client.join();
    std::printf("trial %2d: breach -> RolledBack %.2f s (phase %s)\n", t + 1, seconds.back(),
                phase(ns, name).c_str());
    pqxx::work tx(db);
    tx.exec0("DROP TABLE " + table);
    tx.commit();
  }
  testing::run_command(kubectl("-n " + ns + " delete smig --all --timeout=60s"));
  op.signal(SIGTERM);
  op.wait();
  for (auto& i : instances) i->stop();
  slo.stop();
  testing::run_command(kubectl("delete namespace " + ns + " --wait=false"));

  const double p50 = bench::percentile(seconds, 0.5), p95 = bench::percentile(seconds, 0.95),
               p99 = bench::percentile(seconds, 0.99);
  const bool enough_for_p99 = kTrials >= 100;
  std::printf(
      "B7 SLO breach -> rolled back (flags old, barrier, drop) over %d trials: p50 %.2f s, "
      "p95 %.2f s, p99 %.2f s, max %.2f s\n",
      kTrials, p50, p95, p99, *std::max_element(seconds.begin(), seconds.end()));
  bench::Targets targets("B7");
  if (enough_for_p99) {
    targets.at_most("p99 breach -> rolled back, " + std::to_string(kTrials) + " trials", p99, 10,
                    " s");
  } else {
    std::printf("B7 only %d trials: too few for a p99 (>= 100 needed); judging the p95\n", kTrials);
    targets.at_most(
        "p95 breach -> rolled back, " + std::to_string(kTrials) + " trials (too few for p99)", p95,
        10, " s");
  }
  targets.at_most("failed client writes", failed_writes.load(), 0);
  targets.note("client writes ok", writes.load());
  nlohmann::json report = {{"id", "B7"},
                           {"name", "time to rollback"},
                           {"trials", kTrials},
                           {"percentile_judged", enough_for_p99 ? "p99" : "p95"},
                           {"seconds", {{"p50", p50}, {"p95", p95}, {"p99", p99}}},
                           {"p99_target_s", 10},
                           {"client_writes_ok", writes.load()},
                           {"client_writes_failed", failed_writes.load()}};
  const int rc = targets.finish(report);
  bench::write_report(bench::out_dir(argc, argv), "B7", report);
  return rc;
}
