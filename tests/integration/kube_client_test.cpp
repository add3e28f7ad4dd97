// The REST client against the real API server: server-side apply with field ownership,
// merge and JSON patches, the /status subresource with a conflict that is re-read and
// retried, delete preconditions, and a service account without rights getting a Forbidden
// that names the verb and the resource.
#include <thread>

#include <gtest/gtest.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::kube;
using schemashift::testing::admin_client;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

const ResourceType kCrd{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                        "CustomResourceDefinition", false};
const ResourceType kWidget{"test.schemashift.io", "v1", "widgets", "Widget", true};

// A namespaced test kind with a status subresource.
void ensure_widget_crd(Client& c) {
  Json crd = Json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.test.schemashift.io"},
    "spec": {"group": "test.schemashift.io", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
      "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
          "spec": {"type": "object", "properties": {"size": {"type": "integer"}, "color": {"type": "string"}}},
          "status": {"type": "object", "properties": {"observed": {"type": "integer"}, "writers": {"type": "array", "items": {"type": "string"}}}}}}}}]}})");
  auto r = c.apply(kCrd, "", crd, {.field_manager = "schemashift-tests", .force = true});
  if (!r) throw std::runtime_error(r.error().describe());
  for (int i = 0; i < 100; ++i) {  // established: the API serves the kind
    if (c.list(kWidget, "default")) return;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("the Widget CRD was never served");
}

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ensure_widget_crd(c_);
    ns_ = "client-" + unique_suffix();
    ASSERT_TRUE(
        c_.create(resources::kNamespace, "",
                  {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}}));
  }
  void TearDown() override { (void)c_.remove(resources::kNamespace, "", ns_); }
  Json widget(const std::string& name, int size) {
    return {{"apiVersion", "test.schemashift.io/v1"},
            {"kind", "Widget"},
            {"metadata", {{"name", name}, {"namespace", ns_}}},
            {"spec", {{"size", size}}}};
  }
  Client c_ = admin_client();
  std::string ns_;
};

TEST_F(KubeClientTest, ServerSideApplyTracksFieldOwnersAndForceTakesOver) {
  auto first = c_.apply(kWidget, ns_, widget("w", 1), {.field_manager = "team-a"});
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ((*first)["spec"]["size"], 1);
  auto clash = c_.apply(kWidget, ns_, widget("w", 2), {.field_manager = "team-b"});
  ASSERT_FALSE(clash) << "another manager's field must not change silently";
  EXPECT_TRUE(clash.error().conflict()) << clash.error().describe();
  EXPECT_NE(clash.error().describe().find("team-a"), std::string::npos) << clash.error().describe();
  auto forced = c_.apply(kWidget, ns_, widget("w", 2), {.field_manager = "team-b", .force = true});
  ASSERT_TRUE(forced) << forced.error().describe();
  EXPECT_EQ((*forced)["spec"]["size"], 2);
}

TEST_F(KubeClientTest, MergeAndJsonPatch) {
  ASSERT_TRUE(c_.create(kWidget, ns_, widget("w", 1)));
  auto merged = c_.merge_patch(kWidget, ns_, "w", {{"spec", {{"color", "blue"}}}});
  ASSERT_TRUE(merged) << merged.error().describe();
  EXPECT_EQ((*merged)["spec"]["color"], "blue");
  EXPECT_EQ((*merged)["spec"]["size"], 1);
  auto patched =
      c_.json_patch(kWidget, ns_, "w",
                    Json::array({{{"op", "test"}, {"path", "/spec/size"}, {"value", 1}},
                                 {{"op", "replace"}, {"path", "/spec/size"}, {"value", 5}}}));
  ASSERT_TRUE(patched) << patched.error().describe();
  EXPECT_EQ((*patched)["spec"]["size"], 5);
  auto failed_test = c_.json_patch(
      kWidget, ns_, "w", Json::array({{{"op", "test"}, {"path", "/spec/size"}, {"value", 1}}}));
  EXPECT_FALSE(failed_test) << "a failing JSON-patch test operation must refuse the patch";
}

TEST_F(KubeClientTest, StatusWritesGoThroughTheSubresourceAndConflictsAreRetried) {
  ASSERT_TRUE(c_.create(kWidget, ns_, widget("w", 1)));
  // A status write through the main resource is ignored; through /status it lands.
  auto obj = c_.get(kWidget, ns_, "w");
  ASSERT_TRUE(obj);
  (*obj)["status"] = {{"observed", 1}};
  ASSERT_TRUE(c_.update(kWidget, ns_, *obj));
  EXPECT_FALSE((*c_.get(kWidget, ns_, "w")).contains("status"));

  // On the first attempt another writer slips in between our read and our write: 409, then
  // modify_status re-reads (now seeing the other writer) and succeeds.
  int attempts = 0;
  Client other = admin_client();
  auto r = c_.modify_status(kWidget, ns_, "w", [&](Json& w) {
    ++attempts;
    if (attempts == 1) {
      Json theirs = *other.get(kWidget, ns_, "w");
      theirs["status"]["writers"] = Json::array({"other"});
      EXPECT_TRUE(other.update_status(kWidget, ns_, theirs));
    }
    Json writers = w.value("/status/writers"_json_pointer, Json::array());
    writers.push_back("us");
    w["status"]["writers"] = writers;
    w["status"]["observed"] = w["metadata"]["generation"];
    return true;
  });
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ((*r)["status"]["writers"], Json::array({"other", "us"}))
      << "the retry kept the other writer's change";
}

TEST_F(KubeClientTest, DeleteHonoursPreconditionsAndReportsNotFound) {
  auto created = c_.create(kWidget, ns_, widget("w", 1));
  ASSERT_TRUE(created);
  auto wrong =
      c_.remove(kWidget, ns_, "w", {.precondition_uid = "00000000-0000-0000-0000-000000000000"});
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().conflict()) << wrong.error().describe();
  EXPECT_TRUE(c_.remove(kWidget, ns_, "w", {.precondition_uid = (*created)["metadata"]["uid"]}));
  auto gone = c_.get(kWidget, ns_, "w");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().not_found()) << gone.error().describe();
}

TEST_F(KubeClientTest, AServiceAccountWithoutRightsGetsAForbiddenNamingVerbAndResource) {
  ASSERT_TRUE(c_.create(
      resources::kServiceAccount, ns_,
      {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "nobody"}}}}));
  auto tok =
      c_.create(ResourceType{"", "v1", "serviceaccounts/nobody/token", "TokenRequest", true}, ns_,
                {{"apiVersion", "authentication.k8s.io/v1"},
                 {"kind", "TokenRequest"},
                 {"spec", {{"expirationSeconds", 600}}}});
  ASSERT_TRUE(tok) << tok.error().describe();

  auto cfg = load_kubeconfig(stack_var("KUBECONFIG"));
  ASSERT_TRUE(cfg);
  cfg->client_cert_pem.clear();
  cfg->client_key_pem.clear();
  cfg->token = (*tok)["status"]["token"];
  Client sa(*HttpsTransport::create(*cfg));
  auto r = sa.get(resources::kSecret, ns_, "db-credentials");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().forbidden()) << r.error().describe();
  const std::string msg = r.error().describe();
  EXPECT_NE(msg.find("system:serviceaccount:" + ns_ + ":nobody"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot get resource \"secrets\""), std::string::npos) << msg;
}

}  // namespace
