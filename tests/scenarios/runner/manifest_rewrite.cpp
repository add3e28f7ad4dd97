#include "scenarios/runner/manifest_rewrite.h"

#include <regex>
#include <stdexcept>

#include "cli/yaml_json.h"

namespace schemashift::scenarios {

namespace {

using nlohmann::json;

// Every secretRef, wherever it is (spec.database, targets[].database), to the host's Secret.
void rewrite_secrets(json& node, const ShopAddresses& shop) {
  if (node.is_object()) {
    if (auto ref = node.find("secretRef"); ref != node.end() && ref->is_object()) {
      const std::string name = ref->value("name", "");
      auto it = shop.secrets.find(name);
      if (it == shop.secrets.end())
        throw std::runtime_error("secretRef " + name + ": not a Secret of the shop");
      (*ref)["name"] = it->second;
    }
    for (auto& [k, v] : node.items()) rewrite_secrets(v, shop);
  } else if (node.is_array()) {
    for (auto& v : node) rewrite_secrets(v, shop);
  }
}

// http://<service>.shop.svc:9090/metrics -> the Service's address as the host reaches it.
std::string rewrite_url(const std::string& url, const ShopAddresses& shop,
                        const std::string& field) {
  static const std::regex service_url(R"(^http://([a-z0-9-]+)\.shop\.svc(:\d+)?(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, service_url)) return url;
  auto it = shop.metrics_urls.find(m[1].str());
  if (it == shop.metrics_urls.end())
    throw std::runtime_error(field + ": " + url + " names no service of the shop");
  return it->second + m[3].str();
}

}  // namespace

json rewrite_manifest(const std::string& yaml, const ShopAddresses& shop, const Pace& pace) {
  auto docs = cli::yaml_documents(yaml);
  if (!docs.ok()) throw std::runtime_error("migration.yaml: " + docs.error());
  if (docs.value().size() != 1) throw std::runtime_error("migration.yaml: expected one document");
  json m = docs.value().front();
  if (!m.contains("spec") || !m["spec"].is_object())
    throw std::runtime_error("migration.yaml: spec is missing");
  m["metadata"]["namespace"] = shop.ns;
  json& spec = m["spec"];
  rewrite_secrets(spec, shop);

  if (auto gates = spec.find("gates"); gates != spec.end()) {
    for (std::size_t i = 0; i < gates->size(); ++i) {
      json& g = (*gates)[i];
      const std::string path = "spec.gates[" + std::to_string(i) + "]";
      if (g.contains("url"))
        g["url"] = rewrite_url(g["url"].get<std::string>(), shop, path + ".url");
      const std::string provider = g.value("provider", "");
      if (provider == "kafkaConsumerLag") {
        g["bootstrap"] = shop.kafka_bootstrap;
        g["group"] = shop.consumer_group;
        g["topic"] = shop.topic;
      }
      if (pace.evidence_window_s > 0 && g.contains("windowSeconds")) {
        g["windowSeconds"] = pace.evidence_window_s;
        if (provider == "postgresStatements") {
          g["count"] = pace.evidence_count;
          g["intervalSeconds"] = pace.evidence_window_s / pace.evidence_count;
        } else if (g.value("intervalSeconds", 0.0) > pace.evidence_window_s / 3) {
          g["intervalSeconds"] = pace.evidence_window_s / 3;
        }
      }
    }
  }
  if (auto api = spec.find("api"); api != spec.end() && pace.evidence_window_s > 0)
    (*api)["windowSeconds"] = pace.evidence_window_s;
  if (auto events = spec.find("events"); events != spec.end()) {
    (*events)["registryUrl"] = shop.registry_url;
    (*events)["subject"] = shop.topic + "-value";
  }
  if (auto b = spec.find("backfill"); b != spec.end() && pace.max_batch > 0) {
    (*b)["maxBatch"] = pace.max_batch;
    if ((*b).value("minBatch", 0) > pace.max_batch) (*b)["minBatch"] = pace.max_batch;
  }
  if (auto b = spec.find("backfill"); b != spec.end() && pace.duty_cycle > 0)
    (*b)["dutyCycle"] = pace.duty_cycle;
  return m;
}

}  // namespace schemashift::scenarios
