// The informer against the real kube-apiserver: it caches what it lists, reports changes to its
// handlers, and across a network partition and an API-server restart (with etcd compacted in
// between, so the old resourceVersion is gone and the server answers 410) it relists and
// reports every change it did not see: nothing is missed.
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "runtime/informer.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/tcp_proxy.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::kube;
using schemashift::runtime::Informer;
using schemashift::runtime::InformerHandlers;
using schemashift::runtime::InformerOptions;
using schemashift::testing::admin_client;
using schemashift::testing::eventually;
using schemashift::testing::run_command;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

Json config_map(const std::string& ns, const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", name}, {"namespace", ns}, {"labels", {{"schemashift.io/test", "informer"}}}}},
          {"data", {{"value", value}}}};
}

// Records what the handlers saw, per key.
struct Seen {
  std::mutex mu;
  std::vector<std::string> log;
  InformerHandlers handlers() {
    return {
        .on_add =
            [this](const Json& o) { push("add " + o["metadata"]["name"].get<std::string>()); },
        .on_update =
            [this](const Json&, const Json& n) {
              push("update " + n["metadata"]["name"].get<std::string>() + "=" +
                   n["data"].value("value", ""));
            },
        .on_delete =
            [this](const Json& o) { push("delete " + o["metadata"]["name"].get<std::string>()); }};
  }
  void push(std::string s) {
    std::lock_guard lock(mu);
    log.push_back(std::move(s));
  }
  bool has(const std::string& s) {
    std::lock_guard lock(mu);
    return std::find(log.begin(), log.end(), s) != log.end();
  }
};

// Runs an informer on a thread for the scope's lifetime; stops and joins it however the scope
// ends (a failed assertion included).
class Running {
 public:
  explicit Running(Informer& inf) : inf_(inf), thread_([&inf] { inf.run(); }) {}
  ~Running() {
    inf_.stop();
    thread_.join();
  }

 private:
  Informer& inf_;
  std::thread thread_;
};

class InformerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = "informer-" + unique_suffix();
    auto r =
        admin_.create(resources::kNamespace, "",
                      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
    ASSERT_TRUE(r) << r.error().describe();
  }
  void TearDown() override { (void)admin_.remove(resources::kNamespace, "", ns_); }

  Client admin_ = admin_client();
  std::string ns_;
};

const ResourceType kConfigMaps = resources::kConfigMap;

TEST_F(InformerTest, CachesTheListAndReportsAddsUpdatesAndDeletes) {
  for (const char* n : {"a", "b", "c"})
    ASSERT_TRUE(admin_.create(kConfigMaps, ns_, config_map(ns_, n, "1")));
  ASSERT_TRUE(admin_.create(kConfigMaps, ns_, [&] {
    Json other = config_map(ns_, "unlabelled", "1");
    other["metadata"]["labels"] = Json::object();
    return other;
  }()));

  Informer inf(admin_client(), kConfigMaps,
               {.ns = ns_, .label_selector = "schemashift.io/test=informer", .page_size = 2});
  Seen seen;
  inf.add_handlers(seen.handlers());
  Running running(inf);
  ASSERT_TRUE(inf.wait_for_sync(10s));
  EXPECT_EQ(inf.size(), 3u) << "paged list (page size 2) with the label selector";
  EXPECT_TRUE(seen.has("add a") && seen.has("add b") && seen.has("add c"));
  EXPECT_FALSE(inf.get(ns_ + "/unlabelled").has_value());

  ASSERT_TRUE(admin_.create(kConfigMaps, ns_, config_map(ns_, "d", "1")));
  ASSERT_TRUE(admin_.merge_patch(kConfigMaps, ns_, "a", {{"data", {{"value", "2"}}}}));
  ASSERT_TRUE(admin_.remove(kConfigMaps, ns_, "b"));
  EXPECT_TRUE(eventually(
      [&] { return seen.has("add d") && seen.has("update a=2") && seen.has("delete b"); }, 10s));
  EXPECT_EQ(inf.size(), 3u);
  ASSERT_TRUE(inf.get(ns_ + "/a").has_value());
  EXPECT_EQ((*inf.get(ns_ + "/a"))["data"]["value"], "2");
}

TEST_F(InformerTest, SurvivesAPartitionAndAnApiServerRestartAndRelistsOnGoneWithoutMissingAnEvent) {
  for (const char* n : {"a", "b"})
    ASSERT_TRUE(admin_.create(kConfigMaps, ns_, config_map(ns_, n, "1")));
  const std::string server = stack_var("KUBE_APISERVER");
  const int api_port = std::stoi(server.substr(server.rfind(':') + 1));
  schemashift::testing::TcpProxy proxy(api_port);

  Informer inf(admin_client("https://127.0.0.1:" + std::to_string(proxy.port())), kConfigMaps,
               {.ns = ns_,
                .label_selector = "schemashift.io/test=informer",
                .initial_backoff = 100ms,
                .max_backoff = 1000ms});
  Seen seen;
  inf.add_handlers(seen.handlers());
  Running running(inf);
  ASSERT_TRUE(inf.wait_for_sync(10s));
  ASSERT_EQ(inf.size(), 2u);

  // Partition the informer away, then change things it cannot see.
  proxy.cut();
  ASSERT_TRUE(admin_.remove(kConfigMaps, ns_, "a"));
  ASSERT_TRUE(admin_.create(kConfigMaps, ns_, config_map(ns_, "c", "1")));
  ASSERT_TRUE(admin_.merge_patch(kConfigMaps, ns_, "b", {{"data", {{"value", "2"}}}}));

  // Compact etcd to its current revision, so the informer's resourceVersion is history.
  httplib::Client etcd(stack_var("ETCD_ENDPOINT"));
  auto range = etcd.Post("/v3/kv/range", R"({"key":"Lw=="})", "application/json");  // key "/"
  ASSERT_TRUE(range && range->status == 200);
  const std::string revision = Json::parse(range->body)["header"]["revision"];
  auto compact =
      etcd.Post("/v3/kv/compaction", R"({"revision":")" + revision + R"(","physical":true})",
                "application/json");
  ASSERT_TRUE(compact && compact->status == 200) << (compact ? compact->body : "no response");

  // Restart kube-apiserver (its watch cache starts afresh), then heal the partition.
  auto restart = run_command("SCHEMASHIFT_STACK_DIR=" + stack_var("SCHEMASHIFT_STACK_DIR") + " " +
                             SCHEMASHIFT_SOURCE_DIR + "/hack/stack.sh restart kube-apiserver");
  ASSERT_EQ(restart.exit_code, 0) << restart.output;
  proxy.restore();

  EXPECT_TRUE(eventually(
      [&] { return seen.has("delete a") && seen.has("add c") && seen.has("update b=2"); }, 30s))
      << "stats: lists=" << inf.stats().lists
      << " relists_after_gone=" << inf.stats().relists_after_gone
      << " last_error=" << inf.stats().last_error;
  EXPECT_GE(inf.stats().relists_after_gone, 1u)
      << "the stale resourceVersion must be answered with 410 Gone";
  EXPECT_FALSE(inf.get(ns_ + "/a").has_value());
  EXPECT_TRUE(inf.get(ns_ + "/c").has_value());

  // And the watch is live again after the restart.
  ASSERT_TRUE(admin_.create(kConfigMaps, ns_, config_map(ns_, "d", "1")));
  EXPECT_TRUE(eventually([&] { return seen.has("add d"); }, 10s));
}

TEST_F(InformerTest, StopEndsAQuietWatchPromptly) {
  Informer inf(admin_client(), kConfigMaps, {.ns = ns_});
  std::chrono::steady_clock::time_point t0;
  {
    Running running(inf);
    ASSERT_TRUE(inf.wait_for_sync(10s));
    std::this_thread::sleep_for(200ms);  // the watch is open and quiet
    t0 = std::chrono::steady_clock::now();
  }  // stop() and join
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

}  // namespace
