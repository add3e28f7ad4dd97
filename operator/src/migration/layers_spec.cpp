#include "migration/layers_spec.h"

#include <algorithm>
#include <regex>
#include <set>

namespace schemashift::migration {

namespace {

const json kEmpty = json::object();

// A Kubernetes object name (RFC 1123 subdomain), as a Secret or ConfigMap is named.
bool dns_name(const std::string& s) {
  static const std::regex re("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$");
  return std::regex_match(s, re);
}

std::optional<SecretRef> read_secret_ref(Reader& r, const json& db, const std::string& path) {
  if (!db.contains("secretRef") || !db["secretRef"].is_object()) {
    r.error(path + ".secretRef", "is required: the Secret with the connection string");
    return SecretRef{};  // reported once: nothing else complains of a missing database
  }
  SecretRef ref;
  ref.name = r.str(db["secretRef"], "name", path + ".secretRef.name", true);
  ref.key = r.str(db["secretRef"], "key", path + ".secretRef.key", false, "dsn");
  if (!ref.name.empty() && !dns_name(ref.name))
    r.error(path + ".secretRef.name", "must be a Secret name (lower case, digits, '-', '.')");
  return ref;
}

std::optional<unsigned> role_of(const std::string& s) {
  if (s == "writer") return kWriter;
  if (s == "reader") return kReader;
  if (s == "producer") return kProducer;
  if (s == "consumer") return kConsumer;
  return std::nullopt;
}

std::optional<SchemaSource> read_schema(Reader& r, const json& e, const char* inline_key,
                                        const char* from_key, const std::string& path,
                                        bool required) {
  const bool has_inline = e.contains(inline_key) && !e[inline_key].is_null();
  const bool has_from = e.contains(from_key) && !e[from_key].is_null();
  const std::string p = path + "." + inline_key;
  if (has_inline && has_from) {
    r.error(p, std::string("give ") + inline_key + " or " + from_key + ", not both");
    return std::nullopt;
  }
  if (!has_inline && !has_from) {
    if (required)
      r.error(p, std::string("is required: the JSON Schema inline, or ") + from_key +
                     ".configMapKeyRef");
    return std::nullopt;
  }
  SchemaSource src;
  if (has_inline) {
    const json& v = e[inline_key];
    if (v.is_string()) {  // a schema pasted as text
      src.schema = json::parse(v.get<std::string>(), nullptr, false);
      if (src.schema.is_discarded()) {
        r.error(p, "is not valid JSON");
        return std::nullopt;
      }
    } else {
      src.schema = v;
    }
    if (!src.schema.is_object() && !src.schema.is_boolean()) {
      r.error(p, "must be a JSON Schema (an object)");
      return std::nullopt;
    }
    return src;
  }
  const std::string fp = path + "." + from_key + ".configMapKeyRef";
  const json& from = e[from_key];
  if (!from.is_object() || !from.contains("configMapKeyRef") ||
      !from["configMapKeyRef"].is_object()) {
    r.error(fp, "is required: name and key of the ConfigMap entry holding the schema");
    return std::nullopt;
  }
  ConfigMapKeyRef ref{r.str(from["configMapKeyRef"], "name", fp + ".name", true),
                      r.str(from["configMapKeyRef"], "key", fp + ".key", true)};
  if (!ref.name.empty() && !dns_name(ref.name))
    r.error(fp + ".name", "must be a ConfigMap name (lower case, digits, '-', '.')");
  src.from = ref;
  return src;
}

}  // namespace

void read_database(Reader& r, const json& s, MigrationSpec& spec) {
  auto it = s.find("database");
  if (it == s.end() || it->is_null()) return;
  if (!it->is_object()) {
    r.error("spec.database", "must be an object with secretRef");
    return;
  }
  spec.database = read_secret_ref(r, *it, "spec.database");
  spec.lock_timeout =
      r.duration(*it, "lockTimeout", "spec.database.lockTimeout", spec.lock_timeout);
  spec.statement_timeout =
      r.duration(*it, "statementTimeout", "spec.database.statementTimeout", spec.statement_timeout);
}

void read_targets(Reader& r, const json& s, MigrationSpec& spec) {
  auto t = s.find("targets");
  if (t == s.end() || t->is_null()) return;
  if (!t->is_array()) {
    r.error("spec.targets", "must be a list");
    return;
  }
  std::set<std::string> services;
  for (std::size_t i = 0; i < t->size(); ++i) {
    const std::string p = "spec.targets[" + std::to_string(i) + "]";
    const json& item = (*t)[i];
    if (!item.is_object()) {
      r.error(p, "must be an object with service, deployment and flagKey");
      continue;
    }
    Target target{r.str(item, "service", p + ".service", true),
                  r.str(item, "deployment", p + ".deployment", true),
                  r.str(item, "flagKey", p + ".flagKey", true)};
    if (!target.service.empty() && !services.insert(target.service).second)
      r.error(p + ".service", "names service " + target.service + " twice: one target each");
    if (auto roles = item.find("roles"); roles != item.end() && !roles->is_null()) {
      if (!roles->is_array() || roles->empty()) {
        r.error(p + ".roles", "must be a non-empty list of writer, reader, producer, consumer");
      } else {
        target.roles = 0;
        for (std::size_t j = 0; j < roles->size(); ++j) {
          const std::string rp = p + ".roles[" + std::to_string(j) + "]";
          const json& v = (*roles)[j];
          auto role = v.is_string() ? role_of(v.get<std::string>()) : std::nullopt;
          if (!role) {
            r.error(rp, "must be one of writer, reader, producer, consumer, not " + v.dump());
            continue;
          }
          target.roles |= *role;
        }
        if (target.roles == 0) target.roles = kDefaultRoles;
      }
    }
    if (auto db = item.find("database"); db != item.end() && !db->is_null()) {
      if (!db->is_object()) {
        r.error(p + ".database", "must be an object with secretRef");
      } else {
        target.database = read_secret_ref(r, *db, p + ".database");
      }
    }
    spec.targets.push_back(std::move(target));
  }
}

void read_api(Reader& r, const json& s, MigrationSpec& spec) {
  auto it = s.find("api");
  if (it == s.end() || it->is_null()) return;
  const std::string p = "spec.api";
  if (!it->is_object()) {
    r.error(p, "must be an object with service and oldVersion");
    return;
  }
  ApiSpec api;
  api.service = r.str(*it, "service", p + ".service", true);
  api.old_version = r.str(*it, "oldVersion", p + ".oldVersion", false, api.old_version);
  static const std::regex version("^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$");
  if (!std::regex_match(api.old_version, version))
    r.error(p + ".oldVersion", "must be a version label such as v1");
  api.window = std::chrono::milliseconds(
      1000LL * r.integer(*it, "windowSeconds", p + ".windowSeconds", 60, 1, 86400 * 30));
  api.metrics_port = r.integer(*it, "metricsPort", p + ".metricsPort", 9090, 1, 65535);
  api.metrics_path = r.str(*it, "metricsPath", p + ".metricsPath", false, api.metrics_path);
  if (api.metrics_path.empty() || api.metrics_path[0] != '/')
    r.error(p + ".metricsPath", "must be a path starting with /");
  // Its evidence is a gate like any other (status.gates[], conditions, events): measured while
  // the migration awaits contract, satisfied after `window` without an old-version call.
  for (const auto& g : spec.gates) {
    if (g.name == kApiEvidenceGate)
      r.error("spec.gates", std::string("the name ") + kApiEvidenceGate +
                                " is spec.api's own evidence gate: choose another");
  }
  gates::GateSpec gate;
  gate.name = kApiEvidenceGate;
  gate.provider = "apiTraffic";
  gate.action = gates::GateAction::kEvidence;
  gate.interval = std::chrono::milliseconds(1000);
  gate.max = 0;
  gate.count = 1;
  gate.window = api.window;
  gate.params = {{"service", api.service},
                 {"oldVersion", api.old_version},
                 {"metricsPort", api.metrics_port},
                 {"metricsPath", api.metrics_path}};
  // Its pods are found like any gate's that names a Deployment (the target's; one that names
  // no target is refused by check_layers).
  for (const auto& t : spec.targets)
    if (t.service == api.service) gate.params["deployment"] = t.deployment;
  spec.gates.push_back(std::move(gate));
  spec.api = api;
}

void read_events(Reader& r, const json& s, MigrationSpec& spec) {
  auto it = s.find("events");
  if (it == s.end() || it->is_null()) return;
  const std::string p = "spec.events";
  if (!it->is_object()) {
    r.error(p, "must be an object with registryUrl, subject and schema");
    return;
  }
  EventsSpec ev;
  ev.registry_url = r.str(*it, "registryUrl", p + ".registryUrl", true);
  if (!ev.registry_url.empty() && ev.registry_url.rfind("http://", 0) != 0 &&
      ev.registry_url.rfind("https://", 0) != 0)
    r.error(p + ".registryUrl", "must be an http:// or https:// URL of the registry's API");
  ev.subject = r.str(*it, "subject", p + ".subject", true);
  if (ev.subject.size() > 255) r.error(p + ".subject", "must be at most 255 characters");
  auto schema = read_schema(r, *it, "schema", "schemaFrom", p, true);
  if (schema) ev.schema = std::move(*schema);
  ev.contract_schema = read_schema(r, *it, "contractSchema", "contractSchemaFrom", p, false);
  spec.events = std::move(ev);
}

void check_layers(Reader& r, const MigrationSpec& spec) {
  const bool sql = !spec.expand_sql.empty() || spec.backfill || !spec.contract_sql.empty() ||
                   !spec.checks.empty() || !spec.checksums.empty() || !spec.foreign_keys.empty() ||
                   spec.dual_write.mode == DualWriteMode::kTrigger;
  if (!spec.database && sql)
    r.error("spec.database",
            "is required: a secretRef naming the Secret with the connection string (the SQL "
            "steps run there)");
  if (!spec.database && !sql && spec.targets.empty())
    r.error("spec.database",
            "is required: a secretRef naming the Secret with the connection string, or targets "
            "with their own database");
  for (std::size_t i = 0; i < spec.targets.size(); ++i) {
    if (!spec.database && !spec.targets[i].database)
      r.error("spec.targets[" + std::to_string(i) + "].database",
              "is required when spec.database is not given: where this target's flags live");
  }
  auto target = [&](const std::string& service) {
    return std::find_if(spec.targets.begin(), spec.targets.end(),
                        [&](const Target& t) { return t.service == service; });
  };
  if (spec.api && !spec.api->service.empty() && target(spec.api->service) == spec.targets.end())
    r.error("spec.api.service",
            "must name one of spec.targets (" + spec.api->service + " is not a target)");
  if (spec.events) {
    const bool any = std::any_of(spec.targets.begin(), spec.targets.end(), [](const Target& t) {
      return t.has(kProducer) || t.has(kConsumer);
    });
    if (!any)
      r.error("spec.targets",
              "needs a target with role producer or consumer when spec.events is given");
  }
}

const SecretRef* home_database(const MigrationSpec& spec) {
  if (spec.database) return &*spec.database;
  for (const auto& t : spec.targets)
    if (t.database) return &*t.database;
  return nullptr;
}

const SecretRef* target_database(const MigrationSpec& spec, const Target& t) {
  if (t.database) return &*t.database;
  return spec.database ? &*spec.database : nullptr;
}

}  // namespace schemashift::migration
