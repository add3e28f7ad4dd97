// B8 (benchmarks.md): the operator's footprint: time to ready, idle RSS and CPU, and RSS with
// 10,000 SchemaMigration objects watched. Runs the real schemashift-operator binary as the
// chart does (leader election on, /metrics served and scraped) against
// the stack named by $SCHEMASHIFT_STACK_ENV.
#include <fstream>
#include <sstream>
#include <thread>

#include <httplib.h>
#include <unistd.h>

#include "bench_report.h"
#include "kube/client.h"
#include "kube/cluster_config.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"
#include "support/tcp_proxy.h"

namespace {

using namespace schemashift;
using Clock = std::chrono::steady_clock;
using testing::stack_var;

double rss_mib(pid_t pid, const char* field = "VmRSS:") {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0)
      return std::stod(line.substr(std::string(field).size())) / 1024.0;
  }
  return -1;
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  std::istringstream rest(s.substr(s.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double metric(int port, const std::string& name) {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/metrics");
  if (!r) return -1;
  auto pos = r->body.find("\n" + name);
  if (pos == std::string::npos) return -1;
  auto sp = r->body.find(' ', pos + 1);
  return std::stod(r->body.substr(sp + 1, r->body.find('\n', sp) - sp - 1));
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int kObjects = 10000;
  auto cfg = kube::load_kubeconfig(stack_var("KUBECONFIG"));
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().describe().c_str());
    return 1;
  }
  kube::Client client(*kube::HttpsTransport::create(*cfg));
  auto crd =
      testing::run_command(stack_var("KUBECTL_BIN") + " --kubeconfig " + stack_var("KUBECONFIG") +
                           " apply -f " + SCHEMASHIFT_SOURCE_DIR + "/crds/");
  if (crd.exit_code != 0) {
    std::fprintf(stderr, "cannot install the CRD: %s\n", crd.output.c_str());
    return 1;
  }
  const std::string ns = "bench-b8-" + testing::unique_suffix();
  (void)client.create(kube::resources::kNamespace, "",
                      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});

  const int mport = testing::free_port(), pport = testing::free_port();
  const auto t0 = Clock::now();
  testing::Subprocess op({std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator",
                          "--kubeconfig", stack_var("KUBECONFIG"), "--namespace", ns,
                          // As the chart runs it: leader election on.
                          "--leader-elect", "--leader-election-namespace", ns,
                          "--metrics-bind-address", "127.0.0.1:" + std::to_string(mport),
                          "--health-probe-bind-address", "127.0.0.1:" + std::to_string(pport),
                          "--log-level", "warn"});
  httplib::Client probe("127.0.0.1", pport);
  double ready_ms = -1;
  while (Clock::now() - t0 < std::chrono::seconds(10)) {
    auto r = probe.Get("/readyz");
    if (r && r->status == 200) {
      ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Metrics on and scraped, as a Prometheus would: the idle figure includes /metrics' server
  // having answered (its thread and buffers), not only its listening socket.
  httplib::Client scraper("127.0.0.1", mport);
  int scrapes_ok = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = scraper.Get("/metrics");
    if (r && r->status == 200 && r->body.find("leader_election_master_status") != std::string::npos)
      ++scrapes_ok;
  }
  if (scrapes_ok != 3) std::fprintf(stderr, "B8: /metrics answered %d of 3 scrapes\n", scrapes_ok);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const double idle_rss = rss_mib(op.pid());
  const double cpu0 = cpu_seconds(op.pid());
  std::this_thread::sleep_for(std::chrono::seconds(10));
  const double idle_millicores = (cpu_seconds(op.pid()) - cpu0) / 10.0 * 1000.0;

  std::printf("creating %d SchemaMigrations in %s ...\n", kObjects, ns.c_str());
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      kube::Client c(*kube::HttpsTransport::create(*cfg));
      for (int i = w; i < kObjects; i += 4) {
        nlohmann::json m = {
            {"apiVersion", "schemashift.io/v1alpha1"},
            {"kind", "SchemaMigration"},
            {"metadata", {{"name", "m-" + std::to_string(i)}, {"namespace", ns}}},
            {"spec",
             {{"database", {{"secretRef", {{"name", "orders-db"}}}}},
              {"expand",
               {{"sql",
                 {"ALTER TABLE orders ADD COLUMN IF NOT EXISTS c" + std::to_string(i) +
                  " jsonb"}}}},
              // The CRD asks for the rollback of an expansion.
              {"rollback",
               {{"sql", {"ALTER TABLE orders DROP COLUMN IF EXISTS c" + std::to_string(i)}}}},
              {"backfill", {{"table", "orders"}, {"keyColumn", "id"}, {"set", "c = '{}'"}}}}}};
        if (auto r = c.create(kube::resources::kSchemaMigration, ns, m);
            !r && !r.error().already_exists()) {
          std::fprintf(stderr, "create m-%d: %s\n", i, r.error().describe().c_str());
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  const auto wait_start = Clock::now();
  while (metric(mport, "schemashift_informer_cached_objects") < kObjects &&
         Clock::now() - wait_start < std::chrono::seconds(120)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double cached = metric(mport, "schemashift_informer_cached_objects");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double loaded_rss = rss_mib(op.pid());
  const double peak_rss = rss_mib(op.pid(), "VmHWM:");
  op.signal(SIGTERM);
  op.wait();

  // A fresh start with the 10,000 objects already there: they arrive by the paged list.
  const int mport2 = testing::free_port(), pport2 = testing::free_port();
  const auto t1 = Clock::now();
  testing::Subprocess op2({std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator",
                           "--kubeconfig", stack_var("KUBECONFIG"), "--namespace", ns,
                           "--metrics-bind-address", "127.0.0.1:" + std::to_string(mport2),
                           "--health-probe-bind-address", "127.0.0.1:" + std::to_string(pport2),
                           "--log-level", "warn"});
  double ready_loaded_ms = -1;
  while (Clock::now() - t1 < std::chrono::seconds(60)) {
    httplib::Client p2("127.0.0.1", pport2);
    auto r = p2.Get("/readyz");
    if (r && r->status == 200) {
      ready_loaded_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double restart_rss = rss_mib(op2.pid());
  const double restart_peak = rss_mib(op2.pid(), "VmHWM:");
  // The operator put its finalizer on every object: delete the namespace while it still runs,
  // or the namespace stays Terminating and the next operator on the stack inherits 10k objects.
  (void)client.remove(kube::resources::kNamespace, "", ns);
  const auto gone_by = Clock::now() + std::chrono::minutes(5);
  while (Clock::now() < gone_by) {
    auto n = client.get(kube::resources::kNamespace, "", ns);
    if (!n && n.error().not_found()) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  op2.signal(SIGTERM);
  op2.wait();

  std::printf("B8 ready after %.0f ms (target <= 200 ms)\n", ready_ms);
  std::printf("B8 idle RSS %.1f MiB (target <= 16 MiB); idle CPU %.2f millicores (target <= 1)\n",
              idle_rss, idle_millicores);
  std::printf(
      "B8 RSS with %.0f SchemaMigrations cached: %.1f MiB, peak %.1f MiB (target <= 32 MiB)\n",
      cached, loaded_rss, peak_rss);
  std::printf("B8 restart with %d existing: ready after %.0f ms, RSS %.1f MiB, peak %.1f MiB\n",
              kObjects, ready_loaded_ms, restart_rss, restart_peak);
  std::printf(
      "B8 for scale: controller-runtime operators typically sit at 50-120 MiB (benchmarks.md)\n");
  nlohmann::json report = {
      {"id", "B8"},
      {"name", "operator footprint"},
      {"ready_ms", ready_ms},
      {"ready_target_ms", 200},
      {"idle_rss_mib", idle_rss},
      {"idle_rss_target_mib", 16},
      {"idle_cpu_millicores", idle_millicores},
      {"idle_cpu_target_millicores", 1},
      {"objects_cached", cached},
      {"rss_with_objects_mib", loaded_rss},
      {"peak_rss_mib", peak_rss},
      {"rss_with_objects_target_mib", 32},
      {"restart_with_objects",
       {{"ready_ms", ready_loaded_ms}, {"rss_mib", restart_rss}, {"peak_rss_mib", restart_peak}}},
      {"meets_targets", ready_ms >= 0 && ready_ms <= 200 && idle_rss <= 16 &&
                            idle_millicores <= 1 && loaded_rss <= 32 && restart_rss <= 32 &&
                            cached >= kObjects}};
  bench::write_report(bench::out_dir(argc, argv), "B8", report);
  return bench::verdict("B8", report);
}
