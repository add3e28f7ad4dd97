// The controller manager against the real API server: caches sync, every object is
// reconciled, a failing reconcile is retried with backoff, /healthz, /readyz and /metrics
// answer with the conventional names, events are recorded with repeats folded, and stop()
// ends run() promptly.
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "runtime/event_recorder.h"
#include "runtime/manager.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::kube;
using namespace schemashift::runtime;
using schemashift::testing::admin_client;
using schemashift::testing::eventually;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = "manager-" + unique_suffix();
    ASSERT_TRUE(
        c_.create(resources::kNamespace, "",
                  {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}}));
  }
  void TearDown() override { (void)c_.remove(resources::kNamespace, "", ns_); }
  Json cm(const std::string& name) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns_}}}};
  }
  Client c_ = admin_client();
  std::string ns_;
};

TEST_F(ManagerTest, ReconcilesEveryObjectRetriesFailuresAndServesProbesAndMetrics) {
  for (const char* n : {"a", "b", "flaky"})
    ASSERT_TRUE(c_.create(resources::kConfigMap, ns_, cm(n)));
  Manager mgr(admin_client(), {.controller_name = "test",
                               .workers = 2,
                               .metrics_addr = "127.0.0.1:0",
                               .probe_addr = "127.0.0.1:0"});
  mgr.watch(resources::kConfigMap, {.ns = ns_});
  std::mutex mu;
  std::multiset<std::string> reconciled;
  int flaky_failures = 0;
  mgr.set_reconciler([&](const std::string& key) -> ReconcileOutcome {
    std::lock_guard lock(mu);
    reconciled.insert(key);
    if (key == ns_ + "/flaky" && flaky_failures++ == 0)
      return schemashift::fail(std::string("transient trouble"));
    return ReconcileResult{};
  });
  int rc = -1;
  std::thread runner([&] { rc = mgr.run(); });

  ASSERT_TRUE(eventually([&] { return mgr.ready(); }, 10s));
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mu);
        return reconciled.count(ns_ + "/a") && reconciled.count(ns_ + "/b") &&
               reconciled.count(ns_ + "/flaky") == 2;
      },
      10s))
      << "the failing key must be retried";

  httplib::Client probes("127.0.0.1", mgr.probe_port());
  auto healthz = probes.Get("/healthz");
  auto readyz = probes.Get("/readyz");
  ASSERT_TRUE(healthz && readyz);
  EXPECT_EQ(healthz->status, 200);
  EXPECT_EQ(readyz->status, 200);
  httplib::Client metrics("127.0.0.1", mgr.metrics_port());
  auto m = metrics.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  for (const char* want :
       {"controller_runtime_reconcile_errors_total{controller=\"test\"} 1",
        "workqueue_retries_total{name=\"test\"} 1", "# TYPE workqueue_depth gauge",
        "controller_runtime_reconcile_time_seconds_count{controller=\"test\"}",
        "leader_election_master_status{name=\"test\"} 1",
        "schemashift_informer_cached_objects{resource=\"configmaps\"}"}) {
    EXPECT_NE(m->body.find(want), std::string::npos) << want << "\n" << m->body;
  }

  // A change after sync is reconciled too.
  ASSERT_TRUE(c_.create(resources::kConfigMap, ns_, cm("late")));
  EXPECT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mu);
        return reconciled.count(ns_ + "/late") > 0;
      },
      10s));

  const auto t0 = std::chrono::steady_clock::now();
  mgr.stop();
  runner.join();
  EXPECT_EQ(rc, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(ManagerTest, EventsAreRecordedAndRepeatsFolded) {
  auto obj = c_.create(resources::kConfigMap, ns_, cm("subject"));
  ASSERT_TRUE(obj);
  EventRecorder rec(admin_client(), "schemashift.io/operator", "test-instance");
  const auto ref = ObjectRef::of(*obj);
  for (int i = 0; i < 5; ++i) {
    auto r = rec.record(ref, "Warning", "GateFailed", "Evaluate", "replica lag 12s above 5s");
    ASSERT_TRUE(r) << r.error().describe();
  }
  ASSERT_TRUE(rec.record(ref, "Normal", "PhaseChanged", "Reconcile", "Pending -> Planned"));
  auto list = c_.list(resources::kEvent, ns_);
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_EQ((*list)["items"].size(), 2u) << "five identical events fold into one";
  std::set<std::string> reasons;
  for (const auto& ev : (*list)["items"]) {
    reasons.insert(ev["reason"]);
    EXPECT_EQ(ev["regarding"]["name"], "subject");
    EXPECT_EQ(ev["regarding"]["uid"], (*obj)["metadata"]["uid"]);
    EXPECT_EQ(ev["reportingController"], "schemashift.io/operator");
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"GateFailed", "PhaseChanged"}));
}

}  // namespace
