// The shop on the real node, for one test: a scratch database per service (its own role,
// dropped afterwards), an OrderCreated topic of its own, and the three charts installed with
// `helm install` in a fresh namespace that enforces the restricted Pod Security Standard.
// The pods reach their databases at the stack's in-cluster address; the test reaches the
// Services from the host through their ClusterIPs (kube-proxy's rules cover the host).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/integration/service_harness.h"
#include "support/process.h"
#include "support/scratch_database.h"

namespace schemashift::testing {

inline const std::vector<std::string> kShopServices = {"customers", "orders", "fulfillment"};

class Shop {
 public:
  Shop();
  ~Shop();  // uninstalls the releases, deletes the namespace, drops the databases
  Shop(const Shop&) = delete;
  Shop& operator=(const Shop&) = delete;

  // helm install SERVICE charts/SERVICE with the test's database, topic and stack addresses,
  // `values` appended (e.g. "--set replicaCount=2"), the image tag SCHEMASHIFT_SERVICES_IMAGE_TAG
  // when set (default: the chart's :dev); waits (180 s at most) for the Deployment
  // to be Available with every replica updated and ready, and fails at once on a pod that
  // cannot start (missing image, missing Secret key, crash loop). Returns helm's output (NOTES,
  // any admission warning) and, on failure, why.
  CommandResult install(const std::string& service, const std::string& values = {});
  // The three, customers first (fulfillment reads it).
  void install_all(const std::map<std::string, std::string>& values = {});

  const std::string& ns() const { return ns_; }
  const std::string& topic() const { return topic_; }
  std::string dead_letter_topic() const { return topic_ + ".dlq"; }
  ScratchDatabase& db(const std::string& service) { return *dbs_.at(service); }

  // http://<ClusterIP>:8080 of the service's Service (and :9090 for its metrics).
  std::string url(const std::string& service) const;
  std::string metrics_url(const std::string& service) const;
  // HTTP through the service's Service (ClusterIP), or to `base` ("http://10.0.2.17:8080").
  HttpReply get(const std::string& service, const std::string& path) const;
  HttpReply post(const std::string& service, const std::string& path,
                 const nlohmann::json& body) const;
  static HttpReply get_at(const std::string& base, const std::string& path);
  static HttpReply post_at(const std::string& base, const std::string& path,
                           const nlohmann::json& body);

  // The service's pods (kubectl's JSON items) and the names of the Ready ones.
  nlohmann::json pods(const std::string& service) const;
  std::vector<std::string> ready_pods(const std::string& service) const;
  // pod name -> "http://<pod IP>:8080" for the Ready pods.
  std::map<std::string, std::string> pod_urls(const std::string& service) const;

  CommandResult helm(const std::string& args) const;
  CommandResult kubectl(const std::string& args) const;  // in the shop's namespace
  // Pods, events and the service's logs, for a failure message.
  std::string describe(const std::string& service) const;

 private:
  std::string ns_, topic_;
  std::map<std::string, std::unique_ptr<ScratchDatabase>> dbs_;
  std::vector<std::string> releases_;
  mutable std::map<std::string, std::string> urls_;  // ClusterIPs never change
};

}  // namespace schemashift::testing
