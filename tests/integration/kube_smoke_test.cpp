// kube-apiserver is real: over TLS with the admin client certificate, a namespace is created,
// listed and watched; the server's certificate is verified against the CA (a wrong CA is
// refused); a caller without credentials is Forbidden.
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift::kube;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

ClusterConfig admin_config() {
  auto cfg = load_kubeconfig(stack_var("KUBECONFIG"));
  if (!cfg) throw std::runtime_error(cfg.error().describe());
  return *cfg;
}

Client client_for(const ClusterConfig& cfg) {
  auto t = HttpsTransport::create(cfg);
  if (!t) throw std::runtime_error(t.error().describe());
  return Client(*t);
}

std::string read_file(const std::string& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(KubeSmoke, CreateListAndWatchANamespaceWithTheAdminCertificate) {
  Client c = client_for(admin_config());
  const std::string name = "smoke-" + unique_suffix();
  const std::string selector = "schemashift.io/smoke=" + name;

  auto before = c.list(resources::kNamespace, "", {.label_selector = selector});
  ASSERT_TRUE(before) << before.error().describe();
  EXPECT_TRUE((*before)["items"].empty());
  const std::string rv = (*before)["metadata"]["resourceVersion"];

  Json ns = {{"apiVersion", "v1"},
             {"kind", "Namespace"},
             {"metadata", {{"name", name}, {"labels", {{"schemashift.io/smoke", name}}}}}};
  auto created = c.create(resources::kNamespace, "", ns);
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ((*created)["metadata"]["name"], name);

  auto again = c.create(resources::kNamespace, "", ns);
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().already_exists()) << again.error().describe();

  auto listed = c.list(resources::kNamespace, "", {.label_selector = selector});
  ASSERT_TRUE(listed) << listed.error().describe();
  ASSERT_EQ((*listed)["items"].size(), 1u);
  EXPECT_EQ((*listed)["items"][0]["metadata"]["name"], name);

  // A watch from the list's resourceVersion replays the creation.
  std::vector<std::string> seen;
  auto w =
      c.watch(resources::kNamespace, "",
              {.label_selector = selector, .resource_version = rv, .timeout_seconds = 10},
              [&](WatchEvent&& ev) {
                if (ev.type == "BOOKMARK") return true;
                seen.push_back(ev.type + " " + ev.object["metadata"]["name"].get<std::string>());
                return false;
              });
  ASSERT_TRUE(w) << w.error().describe();
  EXPECT_TRUE(w->stopped_by_handler);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "ADDED " + name);

  auto deleted = c.remove(resources::kNamespace, "", name);
  EXPECT_TRUE(deleted) << deleted.error().describe();
}

TEST(KubeSmoke, TheServerCertificateIsVerifiedAgainstTheConfiguredCa) {
  ClusterConfig cfg = admin_config();
  // A certificate that did not sign the server's: the admin client certificate itself.
  cfg.ca_pem = read_file(stack_var("KUBE_ADMIN_CERT"));
  Client c = client_for(cfg);
  auto r = c.list(resources::kNamespace, "");
  ASSERT_FALSE(r) << "a server certificate not signed by the configured CA must be refused";
  EXPECT_EQ(r.error().reason, "TLSError") << r.error().describe();
  EXPECT_NE(r.error().message.find("not trusted"), std::string::npos) << r.error().describe();
}

TEST(KubeSmoke, ACallerWithoutCredentialsIsForbiddenWithTheVerbAndResourceNamed) {
  ClusterConfig cfg = admin_config();
  cfg.client_cert_pem.clear();
  cfg.client_key_pem.clear();
  Client c = client_for(cfg);
  auto r = c.list(resources::kNamespace, "");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().forbidden()) << r.error().describe();
  EXPECT_NE(r.error().message.find("system:anonymous"), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().message.find("cannot list resource \"namespaces\""), std::string::npos)
      << r.error().describe();
}

}  // namespace
