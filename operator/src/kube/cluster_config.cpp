#include "kube/cluster_config.h"

#include "common/base64.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace schemashift::kube {

namespace fs = std::filesystem;

namespace {

ApiError config_error(std::string msg) {
  return ApiError::transport("ConfigError", std::move(msg));
}

Result<std::string> read_file(const fs::path& p, const std::string& what) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return fail(config_error("cannot read " + what + " " + p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> decode_data(const std::string& in, const std::string& what) {
  auto out = base64_decode(in);
  if (!out) return fail(config_error(what + " is not valid base64"));
  return *out;
}

// Picks `<field>-data` (base64) or `<field>` (a file path relative to `base`).
Result<std::string> data_or_file(const YAML::Node& node, const std::string& field,
                                 const fs::path& base, const std::string& what) {
  if (auto d = node[field + "-data"]; d && d.IsScalar())
    return decode_data(d.as<std::string>(), what);
  if (auto f = node[field]; f && f.IsScalar()) {
    fs::path p = f.as<std::string>();
    if (p.is_relative()) p = base / p;
    return read_file(p, what);
  }
  return std::string();
}

// The `inner` map of the entry called `name` in a kubeconfig list (clusters, contexts, users).
std::optional<YAML::Node> find_named(const YAML::Node& list, const std::string& name,
                                     const char* inner) {
  if (!list || !list.IsSequence()) return std::nullopt;
  for (const auto& item : list) {
    if (item["name"] && item["name"].as<std::string>() == name && item[inner] &&
        item[inner].IsMap()) {
      return item[inner];
    }
  }
  return std::nullopt;
}

}  // namespace

Result<ClusterConfig> load_kubeconfig(const std::string& path, const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return fail(config_error("cannot read kubeconfig " + path));
  } catch (const YAML::Exception& e) {
    return fail(config_error("kubeconfig " + path + " is not valid YAML: " + e.what()));
  }
  try {
    std::string ctx_name = context;
    if (ctx_name.empty() && root["current-context"])
      ctx_name = root["current-context"].as<std::string>();
    if (ctx_name.empty())
      return fail(config_error("kubeconfig " + path + " has no current-context"));
    auto found_ctx = find_named(root["contexts"], ctx_name, "context");
    if (!found_ctx)
      return fail(config_error("kubeconfig " + path + " has no context \"" + ctx_name + "\""));

    const YAML::Node ctx = *found_ctx;
    ClusterConfig cfg;
    cfg.source = "kubeconfig " + path + ", context " + ctx_name;
    const fs::path base = fs::path(path).parent_path();
    const std::string cluster_name = ctx["cluster"] ? ctx["cluster"].as<std::string>() : "";
    auto found_cluster = find_named(root["clusters"], cluster_name, "cluster");
    if (!found_cluster)
      return fail(config_error(cfg.source + ": no cluster \"" + cluster_name + "\""));
    const YAML::Node cluster = *found_cluster;
    if (!cluster["server"]) return fail(config_error(cfg.source + ": cluster has no server"));
    cfg.server = cluster["server"].as<std::string>();
    if (cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>()) {
      return fail(
          config_error(cfg.source +
                       ": insecure-skip-tls-verify is set; schemashift always verifies "
                       "the API server's certificate (give certificate-authority instead)"));
    }
    auto ca = data_or_file(cluster, "certificate-authority", base, "certificate-authority");
    if (!ca) return fail(ca.error());
    cfg.ca_pem = *ca;

    if (ctx["namespace"]) cfg.default_namespace = ctx["namespace"].as<std::string>();
    if (ctx["user"]) {
      if (auto found_user = find_named(root["users"], ctx["user"].as<std::string>(), "user")) {
        const YAML::Node user = *found_user;
        auto cert = data_or_file(user, "client-certificate", base, "client-certificate");
        if (!cert) return fail(cert.error());
        auto key = data_or_file(user, "client-key", base, "client-key");
        if (!key) return fail(key.error());
        cfg.client_cert_pem = *cert;
        cfg.client_key_pem = *key;
        if (user["token"]) cfg.token = user["token"].as<std::string>();
        if (user["tokenFile"]) {
          fs::path p = user["tokenFile"].as<std::string>();
          cfg.token_file = (p.is_relative() ? base / p : p).string();
        }
        if (user["exec"] || user["auth-provider"]) {
          return fail(config_error(cfg.source +
                                   ": exec and auth-provider credentials are not supported; "
                                   "use a client certificate or a token"));
        }
      }
    }
    if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty()) {
      return fail(config_error(cfg.source + ": client certificate and key must be given together"));
    }
    return cfg;
  } catch (const YAML::Exception& e) {
    return fail(config_error("kubeconfig " + path + ": " + e.what()));
  }
}

Result<ClusterConfig> load_in_cluster(const std::string& mount) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !port || !*host || !*port) {
    return fail(config_error("not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set"));
  }
  ClusterConfig cfg;
  cfg.source = "in-cluster service account";
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  cfg.server = "https://" + h + ":" + port;
  auto ca = read_file(fs::path(mount) / "ca.crt", "service-account CA");
  if (!ca) return fail(ca.error());
  cfg.ca_pem = *ca;
  cfg.token_file = (fs::path(mount) / "token").string();
  if (!fs::exists(cfg.token_file))
    return fail(config_error("no service-account token at " + cfg.token_file));
  if (auto ns = read_file(fs::path(mount) / "namespace", "namespace")) cfg.default_namespace = *ns;
  return cfg;
}

Result<ClusterConfig> load_cluster_config(const std::string& kubeconfig_flag,
                                          const std::string& context) {
  if (!kubeconfig_flag.empty()) return load_kubeconfig(kubeconfig_flag, context);
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::string first = env;
    first = first.substr(0, first.find(':'));
    return load_kubeconfig(first, context);
  }
  if (std::getenv("KUBERNETES_SERVICE_HOST") && context.empty()) return load_in_cluster();
  if (const char* home = std::getenv("HOME")) {
    fs::path p = fs::path(home) / ".kube" / "config";
    if (fs::exists(p)) return load_kubeconfig(p.string(), context);
  }
  return fail(config_error(
      "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a cluster"));
}

}  // namespace schemashift::kube
