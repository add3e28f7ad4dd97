#include "kube/resource.h"

namespace schemashift::kube {

std::string ResourceType::collection_path(const std::string& ns) const {
  std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
  return p + "/" + plural;
}

std::string ResourceType::object_path(const std::string& ns, const std::string& name) const {
  return collection_path(ns) + "/" + name;
}

namespace resources {
const ResourceType kNamespace{"", "v1", "namespaces", "Namespace", false};
const ResourceType kSecret{"", "v1", "secrets", "Secret", true};
const ResourceType kConfigMap{"", "v1", "configmaps", "ConfigMap", true};
const ResourceType kServiceAccount{"", "v1", "serviceaccounts", "ServiceAccount", true};
const ResourceType kDeployment{"apps", "v1", "deployments", "Deployment", true};
const ResourceType kPod{"", "v1", "pods", "Pod", true};
const ResourceType kLease{"coordination.k8s.io", "v1", "leases", "Lease", true};
const ResourceType kEvent{"events.k8s.io", "v1", "events", "Event", true};
const ResourceType kSchemaMigration{"schemashift.io", "v1alpha1", "schemamigrations",
                                    "SchemaMigration", true};
}  // namespace resources

}  // namespace schemashift::kube
