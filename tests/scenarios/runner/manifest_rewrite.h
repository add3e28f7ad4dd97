// A scenario's migration.yaml made to run in one shop: the manifest a user applies to
// namespace `shop` names that namespace, the in-cluster Secrets, Service DNS names and the
// stack's in-cluster Kafka and registry. The runner's shop lives in a namespace of its own and
// its operator runs on the host, so only those addresses change — and, at the small size, the
// evidence windows (minutes of silence a real team waits for become seconds). Every other
// field (the SQL, the flags, the gates and their limits) is the file's own.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace schemashift::scenarios {

struct ShopAddresses {
  std::string ns;                                   // the shop's namespace
  std::map<std::string, std::string> secrets;       // "orders-db" -> the host-side Secret
  std::map<std::string, std::string> metrics_urls;  // "orders" -> "http://10.96.0.7:9090"
  std::string kafka_bootstrap, registry_url, topic, consumer_group;
};

struct Pace {
  double evidence_window_s = 0;  // 0: keep the manifest's windows (the full size)
  int evidence_count = 3;        // readings of a postgresStatements gate over that window
  int max_batch = 0;             // 0: keep; else the backfill's maxBatch (a longer backfill)
  double duty_cycle = 0;         // 0: keep; else the backfill's dutyCycle
};

// The SchemaMigration of `yaml` (one document) as JSON for the shop; throws with the field
// path when the manifest lacks what the scenario needs.
nlohmann::json rewrite_manifest(const std::string& yaml, const ShopAddresses& shop,
                                const Pace& pace);

}  // namespace schemashift::scenarios
