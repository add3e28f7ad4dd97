// A bearer token read from a file (as in-cluster) is re-read when the file changes, so a
// rotated service-account token takes effect without a restart.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::kube;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

TEST(TokenRotation, ARotatedTokenFileIsReadAgain) {
  auto cfg = load_kubeconfig(stack_var("KUBECONFIG"));
  ASSERT_TRUE(cfg);
  Client admin(*HttpsTransport::create(*cfg));
  const std::string ns = "token-" + unique_suffix();
  ASSERT_TRUE(
      admin.create(resources::kNamespace, "",
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}));
  auto token_for = [&](const std::string& sa) {
    EXPECT_TRUE(admin.create(
        resources::kServiceAccount, ns,
        {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", sa}}}}));
    auto t = admin.create(
        ResourceType{"", "v1", "serviceaccounts/" + sa + "/token", "TokenRequest", true}, ns,
        {{"apiVersion", "authentication.k8s.io/v1"},
         {"kind", "TokenRequest"},
         {"spec", Json::object()}});
    EXPECT_TRUE(t) << t.error().describe();
    return t ? (*t)["status"]["token"].get<std::string>() : std::string();
  };
  const std::string first = token_for("first"), second = token_for("second");

  const auto file =
      std::filesystem::temp_directory_path() / ("schemashift-token-" + unique_suffix());
  std::ofstream(file) << first << "\n";
  ClusterConfig sa = *cfg;
  sa.client_cert_pem.clear();
  sa.client_key_pem.clear();
  sa.token_file = file.string();
  Client c(*HttpsTransport::create(sa));
  auto r1 = c.list(resources::kSecret, ns);
  ASSERT_FALSE(r1);
  EXPECT_NE(r1.error().message.find(":" + ns + ":first\""), std::string::npos)
      << r1.error().describe();

  std::this_thread::sleep_for(20ms);  // a distinct modification time
  std::ofstream(file, std::ios::trunc) << second << "\n";
  auto r2 = c.list(resources::kSecret, ns);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find(":" + ns + ":second\""), std::string::npos)
      << "the rotated token must be used: " << r2.error().describe();
  std::filesystem::remove(file);
  (void)admin.remove(resources::kNamespace, "", ns);
}

}  // namespace
