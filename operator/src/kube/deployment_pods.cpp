#include "kube/deployment_pods.h"

#include <algorithm>

namespace schemashift::kube {

namespace {

std::string joined(const Json& values) {
  std::string out;
  for (const auto& v : values) {
    if (v.is_string()) out += (out.empty() ? "" : ",") + v.get<std::string>();
  }
  return out;
}

ApiError invalid_selector(const std::string& ns, const std::string& deployment,
                          const std::string& why) {
  return ApiError::transport("InvalidSelector", "Deployment " + ns + "/" + deployment + ": " + why);
}

}  // namespace

schemashift::Result<std::string, std::string> label_selector_of(const Json& deployment) {
  const Json selector = deployment.value("/spec/selector"_json_pointer, Json::object());
  std::string out;
  auto add = [&out](const std::string& term) { out += (out.empty() ? "" : ",") + term; };
  const Json labels = selector.value("matchLabels", Json::object());
  const Json expressions = selector.value("matchExpressions", Json::array());
  for (const auto& [key, value] : labels.items()) {
    if (!value.is_string()) return fail("matchLabels." + key + " is not a string");
    add(key + "=" + value.get<std::string>());
  }
  for (const auto& e : expressions) {
    const std::string key = e.value("key", ""), op = e.value("operator", "");
    const Json values = e.value("values", Json::array());
    if (key.empty()) return fail(std::string("a matchExpression has no key"));
    if (op == "In") {
      add(key + " in (" + joined(values) + ")");
    } else if (op == "NotIn") {
      add(key + " notin (" + joined(values) + ")");
    } else if (op == "Exists") {
      add(key);
    } else if (op == "DoesNotExist") {
      add("!" + key);
    } else {
      return fail("matchExpression on " + key + " has an unknown operator \"" + op + "\"");
    }
  }
  if (out.empty()) return fail(std::string("spec.selector is empty (it would select every pod)"));
  return out;
}

bool serving(const Json& pod) {
  if (pod.contains("/metadata/deletionTimestamp"_json_pointer)) return false;
  const Json status = pod.value("status", Json::object());
  if (status.value("phase", "") != "Running" || status.value("podIP", "").empty()) return false;
  const Json conditions = status.value("conditions", Json::array());
  for (const auto& c : conditions) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

Result<std::vector<PodEndpoint>> deployment_pods(Client& client, const std::string& ns,
                                                 const std::string& deployment) {
  auto d = client.get(resources::kDeployment, ns, deployment);
  if (!d) return fail(d.error());
  auto selector = label_selector_of(*d);
  if (!selector) return fail(invalid_selector(ns, deployment, selector.error()));
  auto pods = client.list_all(resources::kPod, ns, {.label_selector = *selector});
  if (!pods) return fail(pods.error());
  std::vector<PodEndpoint> out;
  for (const auto& pod : (*pods)["items"]) {
    if (serving(pod))
      out.push_back({pod["metadata"].value("name", ""), pod["status"].value("podIP", "")});
  }
  std::sort(out.begin(), out.end(),
            [](const PodEndpoint& a, const PodEndpoint& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<std::string>> pod_metrics_urls(Client& client, const std::string& ns,
                                                  const std::string& deployment, int port,
                                                  const std::string& path) {
  auto pods = deployment_pods(client, ns, deployment);
  if (!pods) return fail(pods.error());
  const std::string suffix =
      ":" + std::to_string(port) + (path.empty() || path[0] != '/' ? "/" : "") + path;
  std::vector<std::string> urls;
  for (const auto& p : *pods) {
    const bool v6 = p.ip.find(':') != std::string::npos;
    urls.push_back("http://" + (v6 ? "[" + p.ip + "]" : p.ip) + suffix);
  }
  return urls;
}

}  // namespace schemashift::kube
