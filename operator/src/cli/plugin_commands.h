// The commands of `kubectl schemashift`: get (and -w), list, history, and the controls
// approve / pause / resume / abort, which set the same annotations GitOps tools and the
// operator read. Each returns a process exit code; failures print the API server's own words
// (as kubectl does), never a stack trace.
#pragma once

#include <iosfwd>
#include <string>

#include "cli/migration_view.h"
#include "kube/client.h"

namespace schemashift::cli {

struct PluginContext {
  kube::Client client;
  std::string ns;  // the namespace to work in (from -n, the kubeconfig context, or "default")
  ViewStyle style;
  bool terminal = false;  // stdout is a terminal: -w redraws in place
  std::ostream& out;
  std::ostream& err;
};

enum class Control { kApprove, kPause, kResume, kAbort };

int get_migration(PluginContext& ctx, const std::string& name, bool watch);
int list_migrations(PluginContext& ctx, bool all_namespaces, bool names_only);
int show_history(PluginContext& ctx, const std::string& name);
int control_migration(PluginContext& ctx, const std::string& name, Control control);
// `plan FILE` (cli/plan_view): every SchemaMigration in the file; 0 when all would pass plan,
// 1 when one is refused or the file cannot be read. Other kinds are named and skipped.
int plan_file(const std::string& path, const ViewStyle& style, std::istream& in, std::ostream& out,
              std::ostream& err);

// The metadata.annotations of the merge patch a control sets (resume removes the key).
nlohmann::json control_annotations(Control control);

// "Error from server (NotFound): ..." for API answers, "Unable to connect to the server: ..."
// for transport failures: the way kubectl says them.
std::string describe_api_error(const kube::ApiError& e);

}  // namespace schemashift::cli
