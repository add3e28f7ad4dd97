// ClusterConfig: where the API server is and how to authenticate to it, read from a
// kubeconfig file or from the in-cluster service-account mount. TLS verification is always
// on: a kubeconfig asking to skip it is refused.
#pragma once

#include <string>

#include "kube/api_error.h"

namespace schemashift::kube {

struct ClusterConfig {
  std::string server;           // "https://host:port"
  std::string ca_pem;           // trusted CA bundle (PEM); empty means the system store
  std::string client_cert_pem;  // client certificate (PEM), with client_key_pem
  std::string client_key_pem;
  std::string token;       // static bearer token
  std::string token_file;  // bearer token re-read from here when it rotates (in-cluster)
  std::string default_namespace = "default";
  std::string source;  // where this came from, for messages ("kubeconfig /x, context y")
};

// Reads a kubeconfig; `context` empty means its current-context. File references in the
// kubeconfig are resolved against the kubeconfig's directory.
Result<ClusterConfig> load_kubeconfig(const std::string& path, const std::string& context = {});

// Reads the in-cluster configuration: KUBERNETES_SERVICE_HOST/PORT and the service-account
// token, CA and namespace under `mount` (default /var/run/secrets/kubernetes.io/serviceaccount).
Result<ClusterConfig> load_in_cluster(
    const std::string& mount = "/var/run/secrets/kubernetes.io/serviceaccount");

// The usual order: an explicit path, then $KUBECONFIG, then in-cluster, then ~/.kube/config.
// `context` (kubectl's --context) picks a kubeconfig context other than the current one.
Result<ClusterConfig> load_cluster_config(const std::string& kubeconfig_flag = {},
                                          const std::string& context = {});

}  // namespace schemashift::kube
