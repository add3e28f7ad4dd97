#include "kube/resource.h"

#include <cctype>

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
const ResourceType kLease{"coordination.k8s.io", "v1", "leases", "Lease", true};
const ResourceType kEvent{"events.k8s.io", "v1", "events", "Event", true};
const ResourceType kSchemaMigration{"schemashift.io", "v1alpha1", "schemamigrations",
                                    "SchemaMigration", true};
}  // namespace resources

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace schemashift::kube
