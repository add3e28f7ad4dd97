// The pods that serve a Deployment's traffic, and where their metrics are: the Deployment's
// spec.selector (matchLabels and matchExpressions) as a label selector, the pods it selects
// in the namespace (every ReplicaSet's, so both sides of a rollout), kept when Running, Ready,
// not being deleted and with a pod IP. What the apiTraffic evidence scrapes. Needs `get` on
// deployments and `list` on pods in the namespace.
#pragma once

#include <string>
#include <vector>

#include "kube/client.h"

namespace schemashift::kube {

struct PodEndpoint {
  std::string name;
  std::string ip;
  bool operator==(const PodEndpoint&) const = default;
};

// "app=customers,tier in (api,web),!canary" from a Deployment (or any object with a
// spec.selector); an error when the selector is missing or empty (it would select every pod).
schemashift::Result<std::string, std::string> label_selector_of(const Json& deployment);

// Running, condition Ready True, no deletionTimestamp, a podIP.
bool serving(const Json& pod);

// The Deployment's serving pods, by name.
Result<std::vector<PodEndpoint>> deployment_pods(Client& client, const std::string& ns,
                                                 const std::string& deployment);

// http://POD_IP:PORT/PATH of each serving pod ("http://10.0.2.17:9090/metrics"; IPv6 in []).
Result<std::vector<std::string>> pod_metrics_urls(Client& client, const std::string& ns,
                                                  const std::string& deployment, int port = 9090,
                                                  const std::string& path = "/metrics");

}  // namespace schemashift::kube
