// The operator chart's watchNamespaces without a cluster: what `helm template` renders is one
// --namespace=a,b for the operator (sorted, each name once, the deprecated watchNamespace
// merged in) and a Role and RoleBinding in each watched namespace only; no list renders cluster
// mode (no --namespace, a ClusterRole); a name that is no DNS-1123 label is refused naming the
// field. (What the real API server grants from these: tests/e2e/operator_chart_test.)
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "charts/chart_render.h"

namespace {

using schemashift::testing::helm_template;
using schemashift::testing::present;
using schemashift::testing::Rendered;

const std::string kChart = std::string(SCHEMASHIFT_SOURCE_DIR) + "/charts/schemashift";
const std::string kReleaseNs = "ops";

std::string str(const YAML::Node& n) { return n ? n.as<std::string>("") : std::string(); }

Rendered render(const std::string& args) {
  return helm_template(kChart, args, "schemashift", kReleaseNs);
}

// The operator container's arguments that start with --namespace.
std::vector<std::string> namespace_args(const Rendered& r) {
  std::vector<std::string> out;
  const auto deployments = r.all("Deployment");
  EXPECT_EQ(deployments.size(), 1u) << r.output;
  if (deployments.empty()) return out;
  for (const auto& c : deployments.front()["spec"]["template"]["spec"]["containers"]) {
    if (str(c["name"]) != "operator") continue;
    for (const auto& a : c["args"]) {
      if (str(a).rfind("--namespace", 0) == 0) out.push_back(str(a));
    }
  }
  return out;
}

// The namespaces of the Roles (or RoleBindings) that carry the watch rules: every one but the
// leader-election pair in the release's namespace.
std::set<std::string> watch_grant_namespaces(const Rendered& r, const std::string& kind) {
  std::set<std::string> out;
  for (const auto& o : r.all(kind)) {
    if (str(o["metadata"]["name"]).find("leader-election") != std::string::npos) continue;
    out.insert(str(o["metadata"]["namespace"]));
  }
  return out;
}

TEST(OperatorChartWatchNamespaces, AListRendersOneFlagAndARoleInEachNamespace) {
  const Rendered r = render("--set 'watchNamespaces={shop-b,shop-a}'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(namespace_args(r), std::vector<std::string>{"--namespace=shop-a,shop-b"});
  const std::set<std::string> both{"shop-a", "shop-b"};
  EXPECT_EQ(watch_grant_namespaces(r, "Role"), both);
  EXPECT_EQ(watch_grant_namespaces(r, "RoleBinding"), both);
  for (const auto& b : r.all("RoleBinding")) {
    SCOPED_TRACE(str(b["metadata"]["namespace"]) + "/" + str(b["metadata"]["name"]));
    EXPECT_EQ(str(b["roleRef"]["kind"]), "Role");
    ASSERT_EQ(b["subjects"].size(), 1u);
    EXPECT_EQ(str(b["subjects"][0]["kind"]), "ServiceAccount");
    EXPECT_EQ(str(b["subjects"][0]["namespace"]), kReleaseNs);
  }
  EXPECT_TRUE(r.all("ClusterRole").empty()) << "namespaced mode grants nothing cluster-wide";
  EXPECT_TRUE(r.all("ClusterRoleBinding").empty());
}

TEST(OperatorChartWatchNamespaces, TheDeprecatedWatchNamespaceJoinsTheListOnce) {
  Rendered r = render("--set watchNamespace=shop-a --set 'watchNamespaces={shop-b,shop-a}'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(namespace_args(r), std::vector<std::string>{"--namespace=shop-a,shop-b"});
  EXPECT_EQ(watch_grant_namespaces(r, "Role"), (std::set<std::string>{"shop-a", "shop-b"}));

  r = render("--set watchNamespace=shop-c");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(namespace_args(r), std::vector<std::string>{"--namespace=shop-c"});
  EXPECT_EQ(watch_grant_namespaces(r, "Role"), std::set<std::string>{"shop-c"});
}

TEST(OperatorChartWatchNamespaces, NoListIsClusterMode) {
  const Rendered r = render("");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(namespace_args(r).empty()) << "no --namespace: every namespace";
  EXPECT_TRUE(watch_grant_namespaces(r, "Role").empty());
  EXPECT_TRUE(present(r.find("ClusterRole", "schemashift"))) << r.output;
  EXPECT_TRUE(present(r.find("ClusterRoleBinding", "schemashift"))) << r.output;
}

TEST(OperatorChartWatchNamespaces, ANameThatIsNoNamespaceIsRefusedNamingTheField) {
  for (const std::string bad : {"Shop_A", "-shop", "shop,b"}) {
    SCOPED_TRACE(bad);
    const Rendered r = render("--set-json 'watchNamespaces=[\"shop-a\",\"" + bad + "\"]'");
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("watchNamespaces"), std::string::npos) << r.output;
  }
}

}  // namespace
