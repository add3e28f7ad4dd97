#include "e2e/services_shop.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "support/helpers.h"
#include "support/stack_env.h"

namespace schemashift::testing {

namespace {

const std::string kCharts = std::string(SCHEMASHIFT_SOURCE_DIR) + "/charts/";

// The scratch database as a pod reaches it: the primary's in-cluster address, same port.
std::string in_cluster_dsn(const ScratchDatabase& db) {
  return "host=" + stack_var("PG_PRIMARY_HOST_INCLUSTER") +
         " port=" + stack_var("PG_PRIMARY_PORT_INCLUSTER") + " dbname=" + db.name() +
         " user=" + db.role() + " password=" + db.password();
}

}  // namespace

Shop::Shop() : ns_("shop-" + unique_suffix()), topic_("orders.order-created." + unique_suffix()) {
  for (const auto& s : kShopServices) dbs_[s] = std::make_unique<ScratchDatabase>(s);
  const std::string manifest = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns_ +
                               "\n  labels:\n"
                               "    pod-security.kubernetes.io/enforce: restricted\n"
                               "    pod-security.kubernetes.io/warn: restricted\n";
  auto created =
      run_command("printf '%s' " + shell_quote(manifest) + " | " + testing::kubectl("apply -f -"));
  if (created.exit_code != 0) throw std::runtime_error("namespace " + ns_ + ": " + created.output);
  for (const auto& s : kShopServices) {
    // Through stdin, so the password is on no command line.
    auto secret = run_command("printf '%s' " + shell_quote(in_cluster_dsn(*dbs_[s])) + " | " +
                              testing::kubectl("-n " + ns_ + " create secret generic " + s +
                                               "-db --from-file=dsn=/dev/stdin"));
    if (secret.exit_code != 0) throw std::runtime_error("secret " + s + ": " + secret.output);
  }
}

Shop::~Shop() {
  for (auto it = releases_.rbegin(); it != releases_.rend(); ++it)
    (void)helm("uninstall " + *it + " -n " + ns_ + " --wait --timeout 60s");
  (void)run_command(testing::kubectl("delete namespace " + ns_ + " --wait=true --timeout=60s"));
}

CommandResult Shop::helm(const std::string& args) const {
  std::string env;
  for (const char* v : {"KUBECONFIG", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"})
    env += std::string(v) + "=" + shell_quote(stack_var(v)) + " ";
  return run_command("env " + env + shell_quote(stack_var("HELM_BIN")) + " " + args);
}

CommandResult Shop::kubectl(const std::string& args) const {
  return run_command(testing::kubectl("-n " + ns_ + " " + args));
}

CommandResult Shop::install(const std::string& service, const std::string& values) {
  std::string args = "install " + service + " " + shell_quote(kCharts + service) + " -n " + ns_ +
                     " --set database.existingSecret=" + service + "-db";
  if (service != "customers") {
    args += " --set kafka.bootstrap=" + stack_var("KAFKA_BOOTSTRAP_INCLUSTER") +
            " --set schemaRegistry.url=" + stack_var("SCHEMA_REGISTRY_URL_INCLUSTER") +
            " --set ordersTopic=" + topic_;
  }
  if (service == "fulfillment") {
    args += " --set customers.url=http://customers." + ns_ + ".svc:8080 --set consumerGroup=" + ns_;
  }
  // A branch's own build of the services, imported beside make services' :dev images.
  if (const char* tag = std::getenv("SCHEMASHIFT_SERVICES_IMAGE_TAG"); tag && *tag)
    args += " --set-string image.tag=" + shell_quote(tag);
  args += " --set-string 'nodeSelector.schemashift\\.io/node=real' " + values;
  releases_.push_back(service);
  auto installed = helm(args);
  if (installed.exit_code != 0) return installed;
  // Available, or failed at once on what never heals (a missing image, a missing Secret key, a
  // crash loop) rather than at the end of the timeout.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  for (;;) {
    auto status = kubectl("get deployment " + service +
                          " -o jsonpath='{.status.conditions[?(@.type==\"Available\")].status} "
                          "{.status.readyReplicas} {.spec.replicas} {.status.updatedReplicas}'");
    std::istringstream fields(status.output);
    std::string available, ready, wanted, updated;
    fields >> available >> ready >> wanted >> updated;
    if (available == "True" && ready == wanted && updated == wanted) return installed;
    for (const auto& pod : pods(service)) {
      for (const auto& cs : pod["status"].value("containerStatuses", nlohmann::json::array())) {
        if (!cs["state"].contains("waiting")) continue;
        const std::string reason = cs["state"]["waiting"].value("reason", "");
        const std::string message = cs["state"]["waiting"].value("message", "");
        // CreateContainerConfigError also stands for a Secret cache still syncing, which heals.
        const bool missing_config = reason == "CreateContainerConfigError" &&
                                    (message.find("not found") != std::string::npos ||
                                     message.find("couldn't find key") != std::string::npos);
        if (reason == "ErrImageNeverPull" || reason == "CrashLoopBackOff" || missing_config) {
          installed.exit_code = 1;
          installed.output +=
              "\npod " + pod["metadata"]["name"].get<std::string>() + ": " + reason + " " + message;
          return installed;
        }
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      installed.exit_code = 1;
      installed.output +=
          "\ndeployment " + service + " not Available within 180 s: " + status.output;
      return installed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void Shop::install_all(const std::map<std::string, std::string>& values) {
  for (const auto& s : kShopServices) {
    auto it = values.find(s);
    auto r = install(s, it == values.end() ? "" : it->second);
    if (r.exit_code != 0)
      throw std::runtime_error("helm install " + s + " failed:\n" + r.output + describe(s));
  }
}

std::string Shop::url(const std::string& service) const {
  auto& u = urls_[service];
  if (u.empty()) {
    auto ip = kubectl("get service " + service + " -o jsonpath='{.spec.clusterIP}'");
    if (ip.exit_code != 0) throw std::runtime_error("service " + service + ": " + ip.output);
    u = "http://" + ip.output + ":8080";
  }
  return u;
}

namespace {
httplib::Client client_for(const std::string& base) {
  httplib::Client c(base);
  c.set_tcp_nodelay(true);  // else a POST's body waits for the delayed ACK of its headers
  c.set_connection_timeout(std::chrono::seconds(3));
  c.set_read_timeout(std::chrono::seconds(10));
  return c;
}
}  // namespace

HttpReply Shop::get_at(const std::string& base, const std::string& path) {
  auto c = client_for(base);
  return reply_of(c.Get(path.c_str()));
}

HttpReply Shop::post_at(const std::string& base, const std::string& path,
                        const nlohmann::json& body) {
  auto c = client_for(base);
  return reply_of(c.Post(path.c_str(), body.dump(), "application/json"));
}

HttpReply Shop::get(const std::string& service, const std::string& path) const {
  return get_at(url(service), path);
}

HttpReply Shop::post(const std::string& service, const std::string& path,
                     const nlohmann::json& body) const {
  return post_at(url(service), path, body);
}

std::string Shop::metrics_url(const std::string& service) const {
  auto ip = kubectl("get service " + service + " -o jsonpath='{.spec.clusterIP}'");
  return "http://" + ip.output + ":9090";
}

nlohmann::json Shop::pods(const std::string& service) const {
  CommandResult r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = run_command(testing::kubectl("-n " + ns_ + " get pods -l app.kubernetes.io/instance=" +
                                     service + " -o json") +
                    " 2>/dev/null");
    if (r.exit_code == 0) return nlohmann::json::parse(r.output)["items"];
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  throw std::runtime_error("kubectl get pods: " + r.output);
}

std::vector<std::string> Shop::ready_pods(const std::string& service) const {
  std::vector<std::string> names;
  for (const auto& pod : pods(service)) {
    if (pod["metadata"].contains("deletionTimestamp")) continue;
    for (const auto& c : pod["status"].value("conditions", nlohmann::json::array())) {
      if (c.value("type", "") == "Ready" && c.value("status", "") == "True")
        names.push_back(pod["metadata"]["name"]);
    }
  }
  return names;
}

std::map<std::string, std::string> Shop::pod_urls(const std::string& service) const {
  std::map<std::string, std::string> out;
  const auto ready = ready_pods(service);
  for (const auto& pod : pods(service)) {
    const std::string name = pod["metadata"]["name"];
    if (std::find(ready.begin(), ready.end(), name) == ready.end()) continue;
    out[name] = "http://" + pod["status"].value("podIP", "") + ":8080";
  }
  return out;
}

std::string Shop::describe(const std::string& service) const {
  return "\n--- pods ---\n" + kubectl("get pods -o wide").output + "\n--- events ---\n" +
         kubectl("get events --sort-by=.lastTimestamp").output + "\n--- logs of " + service +
         " ---\n" +
         kubectl("logs -l app.kubernetes.io/instance=" + service +
                 " --tail=200 --prefix --all-containers | grep -v -E "
                 "'\"path\":\"/(readyz|healthz)\"' | tail -n 40")
             .output;
}

}  // namespace schemashift::testing
