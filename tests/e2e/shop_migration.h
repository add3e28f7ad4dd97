// The real operator binary driving SchemaMigrations over a Shop: it runs on the host, watches
// the shop's namespace, and reaches each service's database through a Secret of its own,
// "<service>-db-host" (the pods' "<service>-db" holds the in-cluster address, which the host
// cannot use). The test applies manifests with kubectl, as a user would, and reads what
// happened from the object's status and, for its verdicts, from the databases themselves.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "e2e/services_shop.h"
#include "support/subprocess.h"

namespace schemashift::testing {

class ShopOperator {
 public:
  // Applies the CRDs, creates the host-side Secrets and starts the operator.
  explicit ShopOperator(Shop& shop);
  ~ShopOperator();  // deletes the shop's migrations while it runs (finalizer), then stops it
  ShopOperator(const ShopOperator&) = delete;
  ShopOperator& operator=(const ShopOperator&) = delete;

  // The name of the Secret (key "dsn") with the service's database as the host reaches it.
  static std::string secret(const std::string& service) { return service + "-db-host"; }

  // kubectl apply of `manifest` in the shop's namespace; throws when refused.
  void apply(const std::string& manifest);
  // The SchemaMigration as the API server has it (null when absent).
  nlohmann::json get(const std::string& name) const;
  std::string phase(const std::string& name) const;
  // Waits until the migration is in `phase`; false after `timeout`, or at once when it reaches
  // a phase it cannot leave for `phase` (Failed, RolledBack, or Completed when not asked for).
  bool wait_phase(const std::string& name, const std::string& phase,
                  std::chrono::milliseconds timeout) const;
  // The status condition `type` ({} when absent).
  nlohmann::json condition(const std::string& name, const std::string& type) const;
  // For failure messages: the status and the operator's last log lines.
  std::string describe(const std::string& name) const;

 private:
  Shop& shop_;
  std::unique_ptr<Subprocess> operator_;
};

}  // namespace schemashift::testing
