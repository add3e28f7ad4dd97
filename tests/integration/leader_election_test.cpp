// Leader election against the real API server, with real processes: two contenders for one
// Lease, exactly one leads; SIGKILL the leader and the other takes over within the lease
// duration (plus a retry period); a clean stop hands the lease back.
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::kube;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;
using SteadyClock = std::chrono::steady_clock;

bool leads(Subprocess& p, const std::string& id) {
  return p.output().find("LEADING " + id) != std::string::npos;
}

TEST(LeaderElection, ExactlyOneOfTwoLeadsAndTheOtherTakesOverWhenTheLeaderIsKilled) {
  auto cfg = load_kubeconfig(stack_var("KUBECONFIG"));
  ASSERT_TRUE(cfg);
  Client c(*HttpsTransport::create(*cfg));
  const std::string ns = "lease-" + unique_suffix();
  ASSERT_TRUE(
      c.create(resources::kNamespace, "",
               {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}));
  const std::string bin = std::string(SCHEMASHIFT_BINARY_DIR) + "/lease_contender";
  const std::string kubeconfig = stack_var("KUBECONFIG");

  Subprocess a({bin, kubeconfig, ns, "schemashift-leader", "a"});
  Subprocess b({bin, kubeconfig, ns, "schemashift-leader", "b"});
  auto deadline = SteadyClock::now() + 10s;
  while (SteadyClock::now() < deadline && !leads(a, "a") && !leads(b, "b"))
    std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(5s);  // long enough for a second leader to appear, were it possible
  ASSERT_NE(leads(a, "a"), leads(b, "b")) << "a: " << a.output() << "\nb: " << b.output();
  Subprocess& leader = leads(a, "a") ? a : b;
  Subprocess& follower = leads(a, "a") ? b : a;
  const std::string leader_id = leads(a, "a") ? "a" : "b";
  const std::string follower_id = leader_id == "a" ? "b" : "a";

  auto lease = c.get(resources::kLease, ns, "schemashift-leader");
  ASSERT_TRUE(lease) << lease.error().describe();
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], leader_id);
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 15);

  const auto killed_at = SteadyClock::now();
  leader.signal(SIGKILL);
  leader.wait();
  deadline = killed_at + 25s;
  while (SteadyClock::now() < deadline && !leads(follower, follower_id))
    std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(leads(follower, follower_id)) << follower.output();
  const auto takeover = SteadyClock::now() - killed_at;
  std::printf("takeover after SIGKILL of the leader: %.1f s (lease 15 s, retry 2 s)\n",
              std::chrono::duration<double>(takeover).count());
  EXPECT_LE(takeover, 15s + 2s + 2s) << "lease duration + one retry period + slack";
  EXPECT_GE(takeover, 10s) << "a lease must not be taken while its holder's last renewal is fresh";

  auto after = c.get(resources::kLease, ns, "schemashift-leader");
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)["spec"]["holderIdentity"], follower_id);
  EXPECT_EQ((*after)["spec"]["leaseTransitions"], 1);

  // A clean stop releases the lease so a successor need not wait.
  follower.signal(SIGTERM);
  EXPECT_EQ(follower.wait(), 0);
  EXPECT_NE(follower.output().find("STOPPED " + follower_id), std::string::npos);
  auto released = c.get(resources::kLease, ns, "schemashift-leader");
  ASSERT_TRUE(released);
  EXPECT_EQ((*released)["spec"]["holderIdentity"], "");
  (void)c.remove(resources::kNamespace, "", ns);
}

}  // namespace
