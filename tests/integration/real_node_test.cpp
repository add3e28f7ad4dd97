// The real node runs pods for real: `helm install` of the smoke chart with the smoke-server
// image from `make images` gives 2 pods that pass their readiness probe, answer on their pod
// IPs (from the host and from another pod) and through their Service by DNS name, with
// `kubectl logs` and `kubectl exec` working; a crashing container goes to CrashLoopBackOff;
// `kubectl rollout restart` replaces the pods with new, running ones; Kafka's two listeners
// serve a pod (by the stack's Service name) and the host alike.
#include <cstdio>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"

#ifndef SCHEMASHIFT_SOURCE_DIR
#error "SCHEMASHIFT_SOURCE_DIR must point at the checkout"
#endif

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using schemashift::testing::CommandResult;
using schemashift::testing::eventually;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

const char* kSmokeImage = "schemashift.local/smoke:dev";
const char* kSmokeBin = "/usr/local/bin/smoke-server";

CommandResult kc(const std::string& args) { return run_command(kubectl(args)); }

CommandResult helm(const std::string& args) {
  std::string env;
  for (const char* v : {"KUBECONFIG", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"}) {
    env += std::string(v) + "=" + shell_quote(stack_var(v)) + " ";
  }
  return run_command("env " + env + shell_quote(stack_var("HELM_BIN")) + " " + args);
}

// The pods matching `selector` (kubectl's JSON; stderr kept out of it). A failed kubectl call
// is retried a few times, then reported in "error" with no items.
json pods(const std::string& ns, const std::string& selector) {
  CommandResult r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = run_command(kubectl("-n " + ns + " get pods -l " + selector + " -o json") + " 2>/dev/null");
    if (r.exit_code == 0) return json::parse(r.output);
    std::this_thread::sleep_for(1s);
  }
  return json::object({{"items", json::array()}, {"error", r.output}});
}

bool pod_ready(const json& pod) {
  for (const auto& c : pod["status"].value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

// A namespace with the smoke chart installed on the real node, removed at the end.
class RealNodeChart : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = "node-smoke-" + unique_suffix();
    const std::string chart = std::string(SCHEMASHIFT_SOURCE_DIR) + "/tests/fixtures/charts/smoke";
    auto install =
        helm("install smoke " + shell_quote(chart) + " --namespace " + ns_ +
             " --create-namespace --set image=" + kSmokeImage + " --wait --timeout 120s");
    ASSERT_EQ(install.exit_code, 0) << install.output << "\n"
                                    << kc("-n " + ns_ + " get pods -o wide").output << "\n"
                                    << kc("-n " + ns_ + " get events").output;
  }
  void TearDown() override {
    (void)helm("uninstall smoke --namespace " + ns_ + " --wait --timeout 60s");
    (void)kc("delete namespace " + ns_ + " --wait=false");
  }
  json chart_pods() { return pods(ns_, "app.kubernetes.io/instance=smoke"); }

  // A second pod on the real node to reach the chart's pods from, with kubectl exec.
  void start_client() {
    const std::string manifest =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: " + ns_ +
        "}\nspec:\n  nodeSelector: {schemashift.io/node: real}\n"
        "  terminationGracePeriodSeconds: 1\n  securityContext: {runAsNonRoot: true}\n"
        "  containers:\n  - {name: client, image: " +
        std::string(kSmokeImage) + ", imagePullPolicy: Never, args: [serve, \"9000\"]}\n";
    auto apply =
        run_command("printf '%s' " + shell_quote(manifest) + " | " + kubectl("apply -f -"));
    ASSERT_EQ(apply.exit_code, 0) << apply.output;
    auto wait = kc("-n " + ns_ + " wait --for=condition=Ready pod/client --timeout=60s");
    ASSERT_EQ(wait.exit_code, 0) << wait.output << kc("-n " + ns_ + " describe pod client").output;
  }
  // The body the client pod fetched (stdout only: kubectl exec may log a websocket notice on
  // stderr, "Unknown stream id 1, discarding message"); on failure its stderr is appended.
  CommandResult fetch_from_client(const std::string& url) {
    const std::string err = "/tmp/real-node-fetch-" + ns_ + ".err";
    CommandResult r = run_command(
        kubectl("-n " + ns_ + " exec client -- " + kSmokeBin + " fetch " + shell_quote(url)) +
        " 2>" + shell_quote(err));
    if (r.exit_code != 0) r.output += run_command("cat " + shell_quote(err)).output;
    std::remove(err.c_str());
    return r;
  }

  std::string ns_;
};

TEST_F(RealNodeChart, PodsRunReadyAndAnswerByPodIpAndServiceName) {
  auto items = chart_pods()["items"];
  ASSERT_EQ(items.size(), 2u) << items.dump(2);
  std::map<std::string, std::string> ip_to_name;
  for (const auto& pod : items) {
    const std::string name = pod["metadata"]["name"];
    EXPECT_EQ(pod["spec"].value("nodeName", ""), stack_var("NODE_NAME")) << name;
    EXPECT_EQ(pod["status"].value("phase", ""), "Running") << name;
    EXPECT_TRUE(pod_ready(pod)) << pod["status"].dump(2);
    const auto& cs = pod["status"]["containerStatuses"][0];
    EXPECT_TRUE(cs["state"].contains("running")) << cs.dump(2);
    EXPECT_EQ(cs.value("restartCount", -1), 0) << cs.dump(2);
    const std::string ip = pod["status"].value("podIP", "");
    EXPECT_EQ(ip.rfind("10.0.2.", 0), 0u) << "pod IP " << ip << " is on the node's bridge /24";
    ip_to_name[ip] = name;
  }
  ASSERT_EQ(ip_to_name.size(), 2u);

  // From the host, straight to each pod IP on the bridge.
  for (const auto& [ip, name] : ip_to_name) {
    httplib::Client http(ip, 8080);
    http.set_connection_timeout(5);
    auto r = http.Get("/");
    ASSERT_TRUE(r) << "host -> " << ip << ": " << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "smoke " + name + "\n");
  }

  // From another pod: each pod IP, then the Service by its full and its short DNS name.
  start_client();
  for (const auto& [ip, name] : ip_to_name) {
    auto r = fetch_from_client("http://" + ip + ":8080/");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "smoke " + name + "\n");
  }
  std::set<std::string> answered;
  const std::vector<std::string> urls = {"http://smoke." + ns_ + ".svc.cluster.local/",
                                         "http://smoke/"};
  for (const auto& url : urls) {
    for (int i = 0; i < 6; ++i) {
      auto r = fetch_from_client(url);
      ASSERT_EQ(r.exit_code, 0) << url << ": " << r.output;
      ASSERT_EQ(r.output.rfind("smoke smoke-", 0), 0u) << url << ": " << r.output;
      answered.insert(r.output);
    }
  }
  EXPECT_GE(answered.size(), 1u);
  // The stack's servers have names too: Prometheus through its selector-less Service.
  auto prom = fetch_from_client("http://prometheus." + stack_var("STACK_SERVICES_NAMESPACE") +
                                ".svc.cluster.local:9090/-/ready");
  EXPECT_EQ(prom.exit_code, 0) << prom.output;

  // kubectl logs shows the process's own output, probes included; kubectl exec runs in it.
  const std::string first = ip_to_name.begin()->second;
  auto logs = kc("-n " + ns_ + " logs " + first);
  ASSERT_EQ(logs.exit_code, 0) << logs.output;
  EXPECT_NE(logs.output.find("listening on :8080"), std::string::npos) << logs.output;
  EXPECT_NE(logs.output.find("GET /healthz"), std::string::npos) << logs.output;
  EXPECT_NE(logs.output.find("GET /\n"), std::string::npos) << logs.output;
  auto exec = kc("-n " + ns_ + " exec " + first + " -- " + kSmokeBin +
                 " fetch http://127.0.0.1:8080/healthz");
  EXPECT_EQ(exec.exit_code, 0) << exec.output;
  EXPECT_EQ(exec.output, "ok\n");
}

TEST_F(RealNodeChart, RolloutRestartReplacesThePods) {
  std::set<std::string> before;
  const json listed = chart_pods();
  for (const auto& pod : listed["items"]) before.insert(pod["metadata"]["name"]);
  ASSERT_EQ(before.size(), 2u) << listed.dump(2);
  auto restart = kc("-n " + ns_ + " rollout restart deployment/smoke");
  ASSERT_EQ(restart.exit_code, 0) << restart.output;
  auto status = kc("-n " + ns_ + " rollout status deployment/smoke --timeout=90s");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  std::set<std::string> after;
  ASSERT_TRUE(eventually(
      [&] {
        after.clear();
        auto items = chart_pods()["items"];
        for (const auto& pod : items) {
          if (!pod["metadata"].contains("deletionTimestamp") && pod_ready(pod))
            after.insert(pod["metadata"]["name"]);
        }
        return items.size() == 2 && after.size() == 2;
      },
      60s))
      << chart_pods().dump(2);
  for (const auto& name : after) EXPECT_EQ(before.count(name), 0u) << name << " was not replaced";
}

TEST(RealNode, CrashingContainerGoesToCrashLoopBackOff) {
  const std::string ns = "node-crash-" + unique_suffix();
  ASSERT_EQ(kc("create namespace " + ns).exit_code, 0);
  const std::string manifest =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: crashy, namespace: " + ns +
      "}\nspec:\n  nodeSelector: {schemashift.io/node: real}\n  terminationGracePeriodSeconds: 1\n"
      "  containers:\n  - {name: app, image: " +
      std::string(kSmokeImage) + ", imagePullPolicy: Never, args: [crash]}\n";
  auto apply = run_command("printf '%s' " + shell_quote(manifest) + " | " + kubectl("apply -f -"));
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  json status;
  const bool looping = eventually(
      [&] {
        auto r = kc("-n " + ns + " get pod crashy -o json");
        if (r.exit_code != 0) return false;
        status = json::parse(r.output)["status"];
        const auto cs = status.value("containerStatuses", json::array());
        return !cs.empty() && cs[0]["state"].contains("waiting") &&
               cs[0]["state"]["waiting"].value("reason", "") == "CrashLoopBackOff";
      },
      60s);
  EXPECT_TRUE(looping) << status.dump(2);
  if (looping) {
    const auto& cs = status["containerStatuses"][0];
    EXPECT_GE(cs.value("restartCount", 0), 1);
    EXPECT_EQ(cs["lastState"]["terminated"].value("exitCode", 0), 3) << cs.dump(2);
    // The kubelet may be replacing the last dead container's log as the loop goes on.
    CommandResult logs;
    EXPECT_TRUE(eventually(
        [&] {
          logs = kc("-n " + ns + " logs crashy --previous");
          return logs.output.find("crashing on purpose") != std::string::npos;
        },
        20s))
        << logs.output;
  }
  (void)kc("delete namespace " + ns + " --wait=false");
}

TEST(RealNode, KafkaTakesAPodsMessageThroughTheStacksServiceAndTheHostReadsIt) {
  // kcat from the host, packed the same way as the project's images.
  const std::string hack = std::string(SCHEMASHIFT_SOURCE_DIR) + "/hack/image.sh";
  const std::string tar = "/tmp/schemashift-kcat-" + unique_suffix() + ".tar";
  auto built = run_command(hack + " build schemashift.local/kcat:test " + tar + " /usr/bin/kcat");
  ASSERT_EQ(built.exit_code, 0) << built.output;
  auto imported = run_command(hack + " import " + tar);
  std::remove(tar.c_str());
  ASSERT_EQ(imported.exit_code, 0) << imported.output;

  const std::string ns = "node-kafka-" + unique_suffix();
  const std::string topic = "from-a-pod-" + unique_suffix();
  ASSERT_EQ(kc("create namespace " + ns).exit_code, 0);
  // The pod produces its own hostname file (its pod name) through kafka.<stack ns>.svc: the
  // broker then sends it to its BRIDGE listener, the only one a pod can reach.
  const std::string manifest =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: producer, namespace: " + ns +
      "}\nspec:\n  nodeSelector: {schemashift.io/node: real}\n  restartPolicy: Never\n"
      "  containers:\n  - name: kcat\n    image: schemashift.local/kcat:test\n"
      "    imagePullPolicy: Never\n    args: [-b, kafka." +
      stack_var("STACK_SERVICES_NAMESPACE") + ".svc.cluster.local:9092, -P, -t, " + topic +
      ", /etc/hostname]\n";
  auto apply = run_command("printf '%s' " + shell_quote(manifest) + " | " + kubectl("apply -f -"));
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  auto done = kc("-n " + ns +
                 " wait --for=jsonpath='{.status.phase}'=Succeeded pod/producer --timeout=90s");
  EXPECT_EQ(done.exit_code, 0) << done.output << kc("-n " + ns + " logs producer").output
                               << kc("-n " + ns + " get pod producer -o yaml").output;
  // The host reads it through the loopback listener.
  auto consumed = run_command("kcat -b " + stack_var("KAFKA_BOOTSTRAP") + " -C -t " + topic +
                              " -o beginning -e -q 2>&1");
  EXPECT_EQ(consumed.exit_code, 0) << consumed.output;
  EXPECT_NE(consumed.output.find("producer"), std::string::npos) << consumed.output;
  auto meta = run_command("kcat -b " + stack_var("KAFKA_BOOTSTRAP") + " -L 2>&1");
  EXPECT_NE(meta.output.find("127.0.0.1"), std::string::npos) << meta.output;
  (void)kc("delete namespace " + ns + " --wait=false");
}

}  // namespace
