// lease_contender: runs one LeaderElector against a real API server and prints LEADING or
// STOPPED as leadership changes. Tests start several and kill them to watch the hand-over.
//   lease_contender KUBECONFIG NAMESPACE LEASE IDENTITY
#include <csignal>
#include <cstdio>
#include <thread>

#include "kube/cluster_config.h"
#include "runtime/leader_election.h"

namespace {
schemashift::runtime::LeaderElector* g_elector = nullptr;
void on_term(int) {
  if (g_elector) g_elector->stop();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s KUBECONFIG NAMESPACE LEASE IDENTITY\n", argv[0]);
    return 2;
  }
  auto cfg = schemashift::kube::load_kubeconfig(argv[1]);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().describe().c_str());
    return 1;
  }
  auto transport = schemashift::kube::HttpsTransport::create(*cfg);
  if (!transport) {
    std::fprintf(stderr, "%s\n", transport.error().describe().c_str());
    return 1;
  }
  schemashift::runtime::LeaderElector elector(
      schemashift::kube::Client(*transport),
      {.lease_namespace = argv[2], .lease_name = argv[3], .identity = argv[4]});
  g_elector = &elector;
  std::signal(SIGTERM, on_term);
  std::signal(SIGINT, on_term);
  elector.run([&] { std::printf("LEADING %s\n", argv[4]), std::fflush(stdout); },
              [&] { std::printf("STOPPED %s\n", argv[4]), std::fflush(stdout); });
  return 0;
}
