#include "charts/chart_render.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "support/process.h"

namespace schemashift::testing {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

std::string helm_binary() {
  std::string helm = env_or("HELM_BIN", "");
  if (helm.empty()) {
    const std::string cache =
        env_or("SCHEMASHIFT_CACHE",
               env_or("XDG_CACHE_HOME", env_or("HOME", "/root") + "/.cache") + "/schemashift");
    helm = cache + "/bin/helm";
  }
  if (!std::filesystem::exists(helm)) {
    throw std::runtime_error("no helm at " + helm + " (make tools builds it)");
  }
  return helm;
}

YAML::Node Rendered::find(const std::string& kind, const std::string& name) const {
  for (const auto& o : objects) {
    if (o["kind"].as<std::string>("") == kind && o["metadata"]["name"].as<std::string>("") == name)
      return o;
  }
  return YAML::Node(YAML::NodeType::Null);
}

std::vector<YAML::Node> Rendered::all(const std::string& kind) const {
  std::vector<YAML::Node> out;
  for (const auto& o : objects) {
    if (o["kind"].as<std::string>("") == kind) out.push_back(o);
  }
  return out;
}

Rendered helm_template(const std::string& chart_dir, const std::string& args,
                       const std::string& release, const std::string& ns) {
  const std::string name =
      release.empty() ? std::filesystem::path(chart_dir).filename().string() : release;
  // stderr apart, so a warning never lands in the YAML.
  char err_path[] = "/tmp/schemashift-helm-stderr-XXXXXX";
  const int fd = ::mkstemp(err_path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  auto r = run_command("{ " + shell_quote(helm_binary()) + " template " + shell_quote(name) + " " +
                       shell_quote(chart_dir) + " --namespace " + shell_quote(ns) + " " + args +
                       " 2>" + err_path + "; }");
  std::ifstream err_in(err_path);
  const std::string err{std::istreambuf_iterator<char>(err_in), std::istreambuf_iterator<char>()};
  std::filesystem::remove(err_path);
  Rendered out{r.exit_code, r.output + err, {}};
  if (r.exit_code == 0) {
    for (const auto& doc : YAML::LoadAll(r.output)) {
      if (doc.IsMap()) out.objects.push_back(doc);
    }
  }
  return out;
}

LintResult helm_lint(const std::string& chart_dir, const std::string& args) {
  auto r = run_command(shell_quote(helm_binary()) + " lint --strict " + shell_quote(chart_dir) +
                       " " + args);
  return {r.exit_code, r.output};
}

}  // namespace schemashift::testing
