#include "kube/cluster_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using schemashift::kube::load_in_cluster;
using schemashift::kube::load_kubeconfig;

class ClusterConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("schemashift-kubeconfig-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

// "hello" in base64, as inline kubeconfig data.
constexpr const char* kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: aGVsbG8=
- name: other
  cluster:
    server: https://10.1.2.3:443
    certificate-authority: certs/ca.pem
contexts:
- name: dev
  context: {cluster: local, user: admin, namespace: team-a}
- name: prod
  context: {cluster: other, user: robot}
users:
- name: admin
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
- name: robot
  user:
    token: s3cret
)";

TEST_F(ClusterConfigTest, ReadsTheCurrentContextWithInlineData) {
  auto cfg = load_kubeconfig(write("config", kKubeconfig));
  ASSERT_TRUE(cfg) << cfg.error().describe();
  EXPECT_EQ(cfg->server, "https://127.0.0.1:6443");
  EXPECT_EQ(cfg->ca_pem, "hello");
  EXPECT_EQ(cfg->client_cert_pem, "cert");
  EXPECT_EQ(cfg->client_key_pem, "key");
  EXPECT_EQ(cfg->default_namespace, "team-a");
}

TEST_F(ClusterConfigTest, ResolvesFileReferencesAgainstTheKubeconfigDirectory) {
  fs::create_directories(dir_ / "certs");
  write("certs/ca.pem", "CA-PEM");
  auto cfg = load_kubeconfig(write("config", kKubeconfig), "prod");
  ASSERT_TRUE(cfg) << cfg.error().describe();
  EXPECT_EQ(cfg->ca_pem, "CA-PEM");
  EXPECT_EQ(cfg->token, "s3cret");
  EXPECT_EQ(cfg->default_namespace, "default");
}

TEST_F(ClusterConfigTest, RefusesToSkipTlsVerification) {
  auto cfg = load_kubeconfig(write("config", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://x:1", insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: k}}]
)"));
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("insecure-skip-tls-verify"), std::string::npos)
      << cfg.error().describe();
}

TEST_F(ClusterConfigTest, NamesTheMissingContext) {
  auto cfg = load_kubeconfig(write("config", kKubeconfig), "staging");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().reason, "ConfigError");
  EXPECT_NE(cfg.error().message.find("no context \"staging\""), std::string::npos)
      << cfg.error().describe();
}

TEST_F(ClusterConfigTest, ReportsInvalidYamlAndMissingFiles) {
  auto bad = load_kubeconfig(write("config", "clusters: [unclosed"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not valid YAML"), std::string::npos);
  auto missing = load_kubeconfig((dir_ / "nope").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read kubeconfig"), std::string::npos);
}

TEST_F(ClusterConfigTest, InClusterReadsTheServiceAccountMount) {
  write("ca.crt", "CA");
  write("token", "tok\n");
  write("namespace", "schemashift-system");
  ::setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto cfg = load_in_cluster(dir_.string());
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(cfg) << cfg.error().describe();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:443");
  EXPECT_EQ(cfg->ca_pem, "CA");
  EXPECT_EQ(cfg->token_file, (dir_ / "token").string());
  EXPECT_EQ(cfg->default_namespace, "schemashift-system");
}

TEST_F(ClusterConfigTest, InClusterWithoutTheServiceEnvironmentSaysSo) {
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  auto cfg = load_in_cluster(dir_.string());
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
}

}  // namespace
