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

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "controller/migration_metrics.h"
#include "controller/reconciler.h"
#include "kube/cluster_config.h"
#include "runtime/manager.h"
#include "runtime/operator_flags.h"

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

// --probe: one GET of an http://host:port/path URL; the answer's status decides the exit code.
int probe(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    std::fprintf(stderr, "schemashift-operator: --probe takes an http:// URL\n");
    return 2;
  }
  const auto slash = url.find('/', scheme.size());
  const std::string host_port = url.substr(scheme.size(), slash - scheme.size());
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  httplib::Client client(scheme + host_port);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  auto res = client.Get(path);
  if (!res) {
    std::fprintf(stderr, "%s: no answer (%s)\n", url.c_str(),
                 httplib::to_string(res.error()).c_str());
    return 1;
  }
  std::printf("%s: %d %s\n", url.c_str(), res->status, res->body.c_str());
  return res->status == 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = runtime::parse_operator_flags(argc, argv);
  if (parsed.outcome == runtime::ParsedFlags::kHelp) {
    std::fputs(parsed.text.c_str(), stdout);
    return 0;
  }
  if (parsed.outcome == runtime::ParsedFlags::kBadInput) {
    std::fprintf(stderr, "schemashift-operator: %s\nRun with --help for the flags.\n",
                 parsed.text.c_str());
    return 2;
  }
  const runtime::OperatorFlags& flags = parsed.flags;
  if (!flags.probe_url.empty()) return probe(flags.probe_url);
  const auto level = spdlog::level::from_str(flags.log_level);
  spdlog::set_level(level);
  forget_libpq_environment();

  // Signals are taken by a dedicated thread (sigwait), so no handler runs in a worker.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto config = kube::load_cluster_config(flags.kubeconfig);
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
  const std::vector<std::string> watched =
      flags.watch_namespaces.empty() ? std::vector<std::string>{""} : flags.watch_namespaces;
  std::string watched_text;
  for (const auto& ns : flags.watch_namespaces)
    watched_text += (watched_text.empty() ? "" : ",") + ns;
  spdlog::info("schemashift-operator starting: API server {} ({}), namespaces {}", config->server,
               config->source, watched_text.empty() ? "<all>" : watched_text);

  runtime::ManagerOptions opts{.controller_name = "schemamigration",
                               .workers = flags.workers,
                               .metrics_addr = flags.metrics_addr,
                               .probe_addr = flags.probe_addr};
  if (flags.leader_elect) {
    const std::string& ns = flags.leader_election_namespace;
    opts.leader_election = runtime::LeaderElectionConfig{
        .lease_namespace = ns.empty() ? config->default_namespace : ns,
        .lease_name = flags.leader_election_id,
        .identity = identity()};
  }
  runtime::Manager manager(client, opts);
  // One watch per namespace (one for all in cluster mode), all feeding the same queue. Keep
  // what the caches hold of each migration small: metadata, spec and status, nothing else.
  runtime::EventRecorder events(client, "schemashift.io/operator", identity());
  controller::MigrationMetrics migration_metrics(manager.metrics());
  for (const auto& ns : watched) {
    runtime::Informer& migrations = manager.watch(kube::resources::kSchemaMigration,
                                                  {.ns = ns, .transform = [](runtime::Json&& obj) {
                                                     obj["metadata"].erase("managedFields");
                                                     return std::move(obj);
                                                   }});
    migrations.add_handlers({.on_delete = [&migration_metrics](const runtime::Json& obj) {
      const auto& meta = obj["metadata"];
      migration_metrics.forget(meta.value("namespace", ""), meta.value("name", ""));
    }});
  }
  controller::Reconciler reconciler(client, events, &migration_metrics);
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
