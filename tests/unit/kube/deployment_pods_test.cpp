// A Deployment's selector as a label selector, and which pods count as serving.
#include "kube/deployment_pods.h"

#include <gtest/gtest.h>

namespace {

using namespace schemashift::kube;

Json deployment(const Json& selector) { return {{"spec", {{"selector", selector}}}}; }

TEST(DeploymentPods, MatchLabelsAndMatchExpressionsBecomeOneSelector) {
  auto s = label_selector_of(deployment(
      {{"matchLabels",
        {{"app.kubernetes.io/instance", "customers"}, {"app.kubernetes.io/name", "customers"}}},
       {"matchExpressions",
        {{{"key", "tier"}, {"operator", "In"}, {"values", {"api", "web"}}},
         {{"key", "track"}, {"operator", "NotIn"}, {"values", {"canary"}}},
         {{"key", "serving"}, {"operator", "Exists"}},
         {{"key", "drained"}, {"operator", "DoesNotExist"}}}}}));
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(*s,
            "app.kubernetes.io/instance=customers,app.kubernetes.io/name=customers,"
            "tier in (api,web),track notin (canary),serving,!drained");
}

TEST(DeploymentPods, AnEmptyOrMissingSelectorIsRefusedRatherThanSelectingEveryPod) {
  auto s = label_selector_of(deployment(Json::object()));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("every pod"), std::string::npos) << s.error();
  EXPECT_FALSE(label_selector_of(Json::object()));
  EXPECT_FALSE(
      label_selector_of(deployment({{"matchExpressions", {{{"key", "a"}, {"operator", "Gt"}}}}})));
}

Json pod(const std::string& phase, const std::string& ready, const std::string& ip) {
  return {{"metadata", {{"name", "p"}}},
          {"status",
           {{"phase", phase},
            {"podIP", ip},
            {"conditions",
             {{{"type", "PodScheduled"}, {"status", "True"}},
              {{"type", "Ready"}, {"status", ready}}}}}}};
}

TEST(DeploymentPods, OnlyRunningReadyPodsWithAnIpAndNotTerminatingServe) {
  EXPECT_TRUE(serving(pod("Running", "True", "10.0.2.17")));
  EXPECT_FALSE(serving(pod("Running", "False", "10.0.2.17")));
  EXPECT_FALSE(serving(pod("Pending", "False", "")));
  EXPECT_FALSE(serving(pod("Running", "True", "")));
  EXPECT_FALSE(serving(pod("Succeeded", "True", "10.0.2.17")));
  auto terminating = pod("Running", "True", "10.0.2.17");
  terminating["metadata"]["deletionTimestamp"] = "2026-12-02T04:00:00Z";
  EXPECT_FALSE(serving(terminating));
  auto no_conditions = pod("Running", "True", "10.0.2.17");
  no_conditions["status"].erase("conditions");
  EXPECT_FALSE(serving(no_conditions));
}

}  // namespace
