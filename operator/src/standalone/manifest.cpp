#include "standalone/manifest.h"

#include <filesystem>

#include "cli/yaml_json.h"

namespace schemashift::standalone {

using nlohmann::json;

Result<Manifest, std::string> read_manifest(const std::string& path, std::istream& in,
                                            const std::string& name, const std::string& ns) {
  auto text = cli::read_manifest_text(path, in);
  if (!text) return fail(text.error());
  auto docs = cli::yaml_documents(*text);
  if (!docs) return fail(path + " is not valid YAML: " + docs.error());
  if (docs->size() != 1 || !(*docs)[0].is_object())
    return fail(path + ": expected one SchemaMigration (or one bare spec), found " +
                std::to_string(docs->size()) + " documents");
  Manifest m;
  json doc = (*docs)[0];
  if (doc.contains("kind") || doc.contains("apiVersion")) {
    if (doc.value("kind", "") != "SchemaMigration")
      return fail(path + ": kind must be SchemaMigration, not \"" +
                  (doc["kind"].is_string() ? doc["kind"].get<std::string>() : "") + "\"");
    m.object = std::move(doc);
  } else {
    m.object = {{"apiVersion", "schemashift.io/v1alpha1"},
                {"kind", "SchemaMigration"},
                {"metadata", json::object()},
                {"spec", std::move(doc)}};
  }
  json& meta = m.object["metadata"];
  if (!meta.is_object()) meta = json::object();
  std::string stem = path == "-" ? "" : std::filesystem::path(path).stem().string();
  m.name = !name.empty() ? name : meta.value("name", stem);
  m.ns = !ns.empty() ? ns : meta.value("namespace", "default");
  if (m.name.empty()) return fail(path + ": metadata.name is required (or give --name)");
  json& spec = m.object["spec"];
  // The database is the one --dsn names; the Secret is the operator's way to it.
  if (spec.is_object() && !spec.contains("database"))
    spec["database"] = {{"secretRef", {{"name", "schemashift-cli-dsn"}}}};
  meta["name"] = m.name;
  meta["namespace"] = m.ns;
  return m;
}

Result<migration::MigrationSpec, std::vector<migration::FieldError>> read_spec(
    const Manifest& manifest) {
  json object = manifest.object;
  std::vector<migration::FieldError> refused;
  json& spec = object["spec"];
  if (spec.is_object()) {
    if (spec.contains("api"))
      refused.push_back({"spec.api",
                         "needs Kubernetes (it counts requests on a Deployment's pods): run it "
                         "with the operator"});
    const json gates = spec.value("gates", json::array());
    for (std::size_t i = 0; gates.is_array() && i < gates.size(); ++i) {
      const json& g = gates[i];
      if (!g.is_object()) continue;
      const std::string p = "spec.gates[" + std::to_string(i) + "]";
      if (g.contains("deployment"))
        refused.push_back({p + ".deployment",
                           "needs Kubernetes (the Deployment's pods): give the metrics URL (url) "
                           "instead, or run it with the operator"});
    }
    if (spec.contains("events") && spec["events"].is_object()) {
      for (const char* f : {"schemaFrom", "contractSchemaFrom"}) {
        if (spec["events"].contains(f))
          refused.push_back({std::string("spec.events.") + f,
                             "reads a ConfigMap, which needs Kubernetes: give the schema inline"});
      }
    }
  }
  auto parsed = migration::parse_spec(object);
  if (!parsed) {
    auto errors = parsed.error();
    errors.insert(errors.end(), refused.begin(), refused.end());
    return fail(std::move(errors));
  }
  if (!refused.empty()) return fail(std::move(refused));
  return parsed;
}

}  // namespace schemashift::standalone
