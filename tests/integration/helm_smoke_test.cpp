// helm and kwok are real: `helm install --wait` of a small chart with kwok=true (its pods
// tolerate kwok's taint and select its node) succeeds, and its Deployment becomes Available
// with every replica Running on the kwok node, where nothing really runs (for scale tests).
// The same chart on the real node: real_node_test.cpp.
#include <gtest/gtest.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "support/process.h"
#include "support/stack_env.h"

#ifndef SCHEMASHIFT_SOURCE_DIR
#error "SCHEMASHIFT_SOURCE_DIR must point at the checkout"
#endif

namespace {

using namespace schemashift::kube;
using schemashift::testing::run_command;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

std::string helm(const std::string& args) {
  std::string env;
  for (const char* v : {"KUBECONFIG", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"}) {
    env += std::string(v) + "=" + shell_quote(stack_var(v)) + " ";
  }
  return "env " + env + shell_quote(stack_var("HELM_BIN")) + " " + args;
}

TEST(HelmSmoke, InstalledChartsDeploymentBecomesAvailableThroughKwok) {
  auto cfg = load_kubeconfig(stack_var("KUBECONFIG"));
  ASSERT_TRUE(cfg) << cfg.error().describe();
  auto transport = HttpsTransport::create(*cfg);
  ASSERT_TRUE(transport) << transport.error().describe();
  Client c(*transport);

  const std::string ns = "helm-smoke-" + unique_suffix();
  const std::string release = "smoke";
  const std::string chart = std::string(SCHEMASHIFT_SOURCE_DIR) + "/tests/fixtures/charts/smoke";
  auto install =
      run_command(helm("install " + release + " " + shell_quote(chart) + " --namespace " + ns +
                       " --create-namespace --set kwok=true --wait --timeout 120s"));
  ASSERT_EQ(install.exit_code, 0) << install.output;

  auto dep = c.get(resources::kDeployment, ns, release);
  ASSERT_TRUE(dep) << dep.error().describe();
  EXPECT_EQ((*dep)["status"].value("readyReplicas", 0), 2);
  bool available = false;
  for (const auto& cond : (*dep)["status"]["conditions"]) {
    if (cond["type"] == "Available") available = cond["status"] == "True";
  }
  EXPECT_TRUE(available) << (*dep)["status"].dump(2);

  const ResourceType pods{"", "v1", "pods", "Pod", true};
  auto listed = c.list(pods, ns, {.label_selector = "app.kubernetes.io/instance=" + release});
  ASSERT_TRUE(listed) << listed.error().describe();
  ASSERT_EQ((*listed)["items"].size(), 2u);
  for (const auto& pod : (*listed)["items"]) {
    EXPECT_EQ(pod["spec"].value("nodeName", ""), "kwok-node-0");
    EXPECT_EQ(pod["status"].value("phase", ""), "Running");
  }

  auto status = run_command(helm("status " + release + " --namespace " + ns));
  EXPECT_NE(status.output.find("STATUS: deployed"), std::string::npos) << status.output;
  auto uninstall = run_command(helm("uninstall " + release + " --namespace " + ns + " --wait"));
  EXPECT_EQ(uninstall.exit_code, 0) << uninstall.output;
  auto gone = c.remove(resources::kNamespace, "", ns);
  EXPECT_TRUE(gone) << gone.error().describe();
}

}  // namespace
