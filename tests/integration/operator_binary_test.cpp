// The schemashift-operator binary as a user runs it: --help, clear errors for bad flags and a
// bad kubeconfig, ready on /readyz, a graceful exit 0 on SIGTERM, and exit 1 when another
// replica takes its Lease (leadership lost: the process must not keep reconciling).
#include <csignal>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"
#include "support/tcp_proxy.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::kube;
using schemashift::testing::eventually;
using schemashift::testing::free_port;
using schemashift::testing::run_command;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;

const std::string kBinary = std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator";

void install_crd() {
  auto r = run_command(stack_var("KUBECTL_BIN") + " --kubeconfig " + stack_var("KUBECONFIG") +
                       " apply -f " + SCHEMASHIFT_SOURCE_DIR + "/crds/");
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

TEST(OperatorBinary, HelpAndBadInputSayWhatIsWrong) {
  auto help = run_command(kBinary + " --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag :
       {"--kubeconfig", "--namespace", "--leader-elect", "--leader-election-namespace",
        "--metrics-bind-address", "--health-probe-bind-address", "--log-level"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
  auto bad_flag = run_command(kBinary + " --leader-elect=maybe");
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_NE(bad_flag.output.find("--leader-elect: takes true or false"), std::string::npos)
      << bad_flag.output;
  auto bad_config = run_command(kBinary + " --kubeconfig /nonexistent/kubeconfig");
  EXPECT_EQ(bad_config.exit_code, 1);
  EXPECT_NE(bad_config.output.find("cannot read kubeconfig /nonexistent/kubeconfig"),
            std::string::npos)
      << bad_config.output;
}

TEST(OperatorBinary, ReadyThenExitsZeroOnSigterm) {
  install_crd();
  const int probe = free_port();
  Subprocess op({kBinary, "--kubeconfig", stack_var("KUBECONFIG"), "--metrics-bind-address", "0",
                 "--health-probe-bind-address", "127.0.0.1:" + std::to_string(probe)});
  ASSERT_TRUE(eventually(
      [&] {
        httplib::Client c("127.0.0.1", probe);
        auto r = c.Get("/readyz");
        return r && r->status == 200;
      },
      10s))
      << op.output();
  op.signal(SIGTERM);
  EXPECT_EQ(op.wait(), 0) << op.output();
  EXPECT_NE(op.output().find("shutting down"), std::string::npos);
}

TEST(OperatorBinary, ExitsWhenAnotherReplicaTakesItsLease) {
  install_crd();
  auto cfg = load_kubeconfig(stack_var("KUBECONFIG"));
  ASSERT_TRUE(cfg);
  Client c(*HttpsTransport::create(*cfg));
  const std::string ns = "lease-loss-" + unique_suffix();
  ASSERT_TRUE(
      c.create(resources::kNamespace, "",
               {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}));
  Subprocess op({kBinary, "--kubeconfig", stack_var("KUBECONFIG"), "--leader-elect",
                 "--leader-election-namespace", ns, "--metrics-bind-address", "0",
                 "--health-probe-bind-address", "0"});
  ASSERT_TRUE(
      eventually([&] { return op.output().find("became leader") != std::string::npos; }, 10s))
      << op.output();

  // Another replica takes the lease (as one would after a partition).
  auto lease = c.get(resources::kLease, ns, "schemashift-operator");
  ASSERT_TRUE(lease);
  (*lease)["spec"]["holderIdentity"] = "another-replica";
  ASSERT_TRUE(c.update(resources::kLease, ns, *lease));
  const auto taken = std::chrono::steady_clock::now();
  // Keep it renewed as a live holder would, until the operator gives up.
  std::atomic<bool> done{false};
  std::thread holder([&] {
    while (!done) {
      auto l = c.get(resources::kLease, ns, "schemashift-operator");
      if (l) {
        (*l)["spec"]["renewTime"] = "2030-01-01T00:00:00.000000Z";
        (*l)["spec"]["leaseTransitions"] = (*l)["spec"].value("leaseTransitions", 0) + 1;
        (void)c.update(resources::kLease, ns, *l);
      }
      std::this_thread::sleep_for(1s);
    }
  });
  const int rc = op.wait();
  done = true;
  holder.join();
  const auto after = std::chrono::steady_clock::now() - taken;
  EXPECT_EQ(rc, 1) << op.output();
  EXPECT_NE(op.output().find("lost leadership"), std::string::npos) << op.output();
  EXPECT_LE(after, 10s + 2s + 4s) << "renew deadline + retry period + slack for a loaded machine";
  (void)c.remove(resources::kNamespace, "", ns);
}

}  // namespace
