// Renders a chart with `helm template` and finds its objects: what the static chart tests
// check, with no cluster. helm is the project's own (make tools), found like hack/lib.sh
// finds it; a missing helm is a setup bug and throws.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace schemashift::testing {

// A node that exists and is not null (yaml-cpp's bool conversion is true for a null node).
inline bool present(const YAML::Node& n) { return n && !n.IsNull(); }

// $HELM_BIN, else $SCHEMASHIFT_CACHE/bin/helm (default ~/.cache/schemashift/bin/helm).
std::string helm_binary();

struct Rendered {
  int exit_code = -1;
  std::string output;               // helm's stdout and stderr
  std::vector<YAML::Node> objects;  // the manifests, when helm succeeded

  // The object of `kind` called `name`; a null node (see present) when there is none.
  YAML::Node find(const std::string& kind, const std::string& name) const;
  // Every object of `kind`.
  std::vector<YAML::Node> all(const std::string& kind) const;
};

// `helm template RELEASE CHART --namespace NS ARGS` (ARGS as a shell would split them).
Rendered helm_template(const std::string& chart_dir, const std::string& args = {},
                       const std::string& release = {}, const std::string& ns = "shop");

// `helm lint CHART ARGS`.
struct LintResult {
  int exit_code = -1;
  std::string output;
};
LintResult helm_lint(const std::string& chart_dir, const std::string& args = {});

}  // namespace schemashift::testing
