// ResourceType: how to address one kind of Kubernetes object over REST (group, version,
// plural, scope), and the resource types schemashift uses.
#pragma once

#include <string>

namespace schemashift::kube {

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  std::string kind;
  bool namespaced = true;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // /api/v1/namespaces/{ns}/pods, /apis/apps/v1/deployments, ...; ns ignored if cluster-scoped
  // or empty (all namespaces).
  std::string collection_path(const std::string& ns) const;
  std::string object_path(const std::string& ns, const std::string& name) const;
};

namespace resources {
extern const ResourceType kNamespace;
extern const ResourceType kSecret;
extern const ResourceType kConfigMap;
extern const ResourceType kServiceAccount;
extern const ResourceType kDeployment;
extern const ResourceType kPod;
extern const ResourceType kLease;
extern const ResourceType kEvent;  // events.k8s.io/v1
extern const ResourceType kSchemaMigration;
}  // namespace resources

}  // namespace schemashift::kube
