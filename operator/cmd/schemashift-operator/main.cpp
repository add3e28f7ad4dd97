// schemashift-operator: watches SchemaMigration resources and moves them through their
// rollout. This main only wires flags, configuration, leader election and the manager; the
// logic lives in schemashift_core.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "controller/reconciler.h"
#include "kube/cluster_config.h"
#include "runtime/flags.h"
#include "runtime/manager.h"

namespace {

using namespace schemashift;

std::string identity() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  std::mt19937 rng{std::random_device{}()};
  return std::string(host) + "_" + std::to_string(rng() % 1000000);
}

// libpq reads PG* variables (and the service they name) for whatever a connection string
// leaves out. A migration's database is only ever the one its Secret names, so the operator's
// own environment is cleared of them before any thread starts (pg/dsn also sets every option).
void forget_libpq_environment() {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    if (entry.rfind("PG", 0) == 0 && entry.find('=') != std::string::npos)
      names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const auto& n : names) {
    ::unsetenv(n.c_str());
    spdlog::info("ignoring {} from the environment: a migration connects only as its Secret says",
                 n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  runtime::Flags flags(
      "schemashift-operator",
      "schemashift-operator moves SchemaMigration resources through expand, dual-write, backfill,\n"
      "verify, read switch and contract, and rolls them back when a gate fails.");
  flags.add_string("kubeconfig", "",
                   "path to a kubeconfig; empty: $KUBECONFIG, in-cluster, ~/.kube/config");
  flags.add_string("namespace", "",
                   "watch SchemaMigrations in this namespace only; empty: all namespaces");
  flags.add_bool("leader-elect", false, "elect a leader on a Lease so only one replica reconciles");
  flags.add_string("leader-election-namespace", "",
                   "namespace of the leader-election Lease (default: the config's)");
  flags.add_string("leader-election-id", "schemashift-operator",
                   "name of the leader-election Lease");
  flags.add_string("metrics-bind-address", ":8080",
                   "address of the Prometheus /metrics endpoint; 0 disables it");
  flags.add_string("health-probe-bind-address", ":8081",
                   "address of /healthz and /readyz; 0 disables them");
  flags.add_int("workers", 2, "migrations reconciled in parallel");
  flags.add_string("log-level", "info", "trace, debug, info, warn or error");
  std::string error;
  bool help = false;
  if (!flags.parse(argc, argv, &error, &help)) {
    std::fprintf(stderr, "schemashift-operator: %s\n", error.c_str());
    return 2;
  }
  if (help) {
    std::fputs(flags.usage().c_str(), stdout);
    return 0;
  }
  const auto level = spdlog::level::from_str(flags.str("log-level"));
  if (level == spdlog::level::off && flags.str("log-level") != "off") {
    std::fprintf(stderr,
                 "schemashift-operator: --log-level must be trace, debug, info, warn or error\n");
    return 2;
  }
  spdlog::set_level(level);
  forget_libpq_environment();

  // Signals are taken by a dedicated thread (sigwait), so no handler runs in a worker.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto config = kube::load_cluster_config(flags.str("kubeconfig"));
  if (!config) {
    spdlog::error("{}", config.error().describe());
    return 1;
  }
  auto transport = kube::HttpsTransport::create(*config);
  if (!transport) {
    spdlog::error("{}", transport.error().describe());
    return 1;
  }
  kube::Client client(*transport);
  spdlog::info("schemashift-operator starting: API server {} ({}), namespace {}", config->server,
               config->source, flags.str("namespace").empty() ? "<all>" : flags.str("namespace"));

  runtime::ManagerOptions opts{.controller_name = "schemamigration",
                               .workers = flags.integer("workers"),
                               .metrics_addr = flags.str("metrics-bind-address"),
                               .probe_addr = flags.str("health-probe-bind-address")};
  if (flags.boolean("leader-elect")) {
    std::string ns = flags.str("leader-election-namespace");
    opts.leader_election = runtime::LeaderElectionConfig{
        .lease_namespace = ns.empty() ? config->default_namespace : ns,
        .lease_name = flags.str("leader-election-id"),
        .identity = identity()};
  }
  runtime::Manager manager(client, opts);
  // Keep what the cache holds of each migration small: metadata, spec and status, nothing else.
  manager.watch(kube::resources::kSchemaMigration,
                {.ns = flags.str("namespace"), .transform = [](runtime::Json&& obj) {
                   obj["metadata"].erase("managedFields");
                   return std::move(obj);
                 }});
  runtime::EventRecorder events(client, "schemashift.io/operator", identity());
  controller::Reconciler reconciler(client, events);
  manager.set_reconciler(
      [&reconciler](const std::string& key) { return reconciler.reconcile(key); });

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received signal {}; shutting down", sig);
    manager.stop();
  });
  signal_thread.detach();
  const int rc = manager.run();
  if (rc == 1) spdlog::error("exiting: leadership lost");
  return rc;
}
