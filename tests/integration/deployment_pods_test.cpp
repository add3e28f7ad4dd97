// A Deployment's serving pods against the real API server, with kwok running the pods on its
// simulated node (Running, Ready, a pod IP from 10.0.1.0/24): the pods the Deployment's
// selector picks and no other, a pod with the same labels that never runs left out, and the
// metrics URLs built from the pod IPs the API server reports. An unknown Deployment is
// NotFound, never an empty list.
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "kube/deployment_pods.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::kube;
using schemashift::testing::admin_client;
using schemashift::testing::eventually;
using schemashift::testing::unique_suffix;

Json pod_template(const Json& labels, const Json& node_selector) {
  return {{"metadata", {{"labels", labels}}},
          {"spec",
           {{"nodeSelector", node_selector},
            {"tolerations",
             {{{"key", "kwok.x-k8s.io/node"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}}},
            {"containers", {{{"name", "api"}, {"image", "schemashift.local/smoke:dev"}}}}}}};
}

class DeploymentPodsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = "pods-" + unique_suffix();
    ASSERT_TRUE(
        c_.create(resources::kNamespace, "",
                  {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}}));
  }
  void TearDown() override { (void)c_.remove(resources::kNamespace, "", ns_); }

  Client c_ = admin_client();
  std::string ns_;
};

TEST_F(DeploymentPodsTest, TheSelectorsRunningReadyPodsAndTheirMetricsUrls) {
  const Json labels = {{"app", "customers"}, {"tier", "api"}};
  Json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "customers"}, {"namespace", ns_}}},
      {"spec",
       {{"replicas", 2},
        {"selector",
         {{"matchLabels", {{"app", "customers"}}},
          {"matchExpressions", {{{"key", "tier"}, {"operator", "In"}, {"values", {"api"}}}}}}},
        {"template", pod_template(labels, {{"type", "kwok"}})}}}};
  ASSERT_TRUE(c_.create(resources::kDeployment, ns_, deployment));
  // Another app's Deployment on the same node, and a pod with customers' labels that can
  // never be scheduled (no such node): neither serves customers' traffic.
  deployment["metadata"]["name"] = "orders";
  deployment["spec"]["selector"] = {{"matchLabels", {{"app", "orders"}}}};
  deployment["spec"]["template"] = pod_template({{"app", "orders"}}, {{"type", "kwok"}});
  ASSERT_TRUE(c_.create(resources::kDeployment, ns_, deployment));
  Json stray = pod_template(labels, {{"type", "no-such-node"}});
  stray["apiVersion"] = "v1";
  stray["kind"] = "Pod";
  stray["metadata"]["name"] = "customers-stray";
  ASSERT_TRUE(c_.create(resources::kPod, ns_, stray));

  std::vector<PodEndpoint> pods;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = deployment_pods(c_, ns_, "customers");
        if (!r) return false;
        pods = *r;
        return pods.size() == 2;
      },
      60s))
      << "kwok never ran customers' 2 replicas; last: " << pods.size();
  // What the API server says about every pod of the namespace.
  auto all = c_.list(resources::kPod, ns_);
  ASSERT_TRUE(all) << all.error().describe();
  std::set<std::string> expected_urls;
  for (const auto& p : (*all)["items"]) {
    const std::string name = p["metadata"]["name"];
    const bool customers_pod = p["metadata"]["labels"].value("app", "") == "customers" &&
                               p["spec"].value("nodeName", "") == "kwok-node-0";
    if (name == "customers-stray") {
      EXPECT_NE(p["status"].value("phase", ""), "Running");
    }
    if (customers_pod && serving(p))
      expected_urls.insert("http://" + p["status"].value("podIP", "") + ":9090/metrics");
  }
  ASSERT_EQ(expected_urls.size(), 2u) << all->dump(1);
  for (const auto& p : pods) EXPECT_EQ(p.ip.rfind("10.0.1.", 0), 0u) << p.name << " " << p.ip;

  auto urls = pod_metrics_urls(c_, ns_, "customers");
  ASSERT_TRUE(urls) << urls.error().describe();
  EXPECT_EQ(std::set<std::string>(urls->begin(), urls->end()), expected_urls);
  auto other_port = pod_metrics_urls(c_, ns_, "customers", 9100, "metrics");
  ASSERT_TRUE(other_port);
  for (const auto& u : *other_port) EXPECT_NE(u.find(":9100/metrics"), std::string::npos) << u;

  auto missing = pod_metrics_urls(c_, ns_, "no-such-deployment");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().not_found()) << missing.error().describe();
}

}  // namespace
