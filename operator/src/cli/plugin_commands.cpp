#include "cli/plugin_commands.h"

#include <algorithm>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

#include "cli/plan_view.h"
#include "cli/yaml_json.h"

namespace schemashift::cli {

using nlohmann::json;
using Clock = std::chrono::system_clock;
namespace res = kube::resources;

namespace {

constexpr const char* kPluralName = "schemamigrations.schemashift.io";

bool terminal_phase(const json& m) {
  const std::string phase =
      m.contains("status") && m["status"].is_object() ? m["status"].value("phase", "") : "";
  return phase == "Completed" || phase == "RolledBack" || phase == "Failed";
}

// The Events about one migration, by its UID (no field selector needed, so it works the same
// on every API server version).
json events_about(kube::Client& client, const json& m) {
  const json& meta = m["metadata"];
  auto list = client.list_all(res::kEvent, meta.value("namespace", ""));
  json out = json::array();
  if (!list) return out;
  for (const auto& e : (*list)["items"]) {
    if (e.contains("regarding") && e["regarding"].value("uid", "") == meta.value("uid", ""))
      out.push_back(e);
  }
  return out;
}

int lines_in(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

json control_annotations(Control control) {
  json annotations = json::object();
  switch (control) {
    case Control::kApprove:
      annotations["schemashift.io/approve"] = "true";
      break;
    case Control::kPause:
      annotations["schemashift.io/paused"] = "true";
      break;
    case Control::kResume:
      annotations["schemashift.io/paused"] = nullptr;  // a merge patch removes it
      break;
    case Control::kAbort:
      annotations["schemashift.io/abort"] = "true";
      break;
  }
  return annotations;
}

std::string describe_api_error(const kube::ApiError& e) {
  if (e.code == 0) return "Unable to connect to the server: " + e.message;
  std::string reason = e.reason.empty() ? "Error" : e.reason;
  return "Error from server (" + reason + "): " + e.message;
}

int get_migration(PluginContext& ctx, const std::string& name, bool watch) {
  auto m = ctx.client.get(res::kSchemaMigration, ctx.ns, name);
  if (!m) {
    ctx.err << describe_api_error(m.error()) << "\n";
    return 1;
  }
  auto show = [&](const json& obj, int* previous_lines) {
    const std::string text =
        render_migration(obj, events_about(ctx.client, obj), ctx.style, Clock::now());
    if (watch && ctx.terminal && *previous_lines > 0) {
      ctx.out << "\033[" << *previous_lines << "A\033[J";  // back to the top, clear below
    } else if (watch && *previous_lines > 0) {
      ctx.out << "\n";
    }
    ctx.out << text << std::flush;
    *previous_lines = lines_in(text);
  };
  int lines = 0;
  show(*m, &lines);
  if (!watch) return 0;

  json current = *m;
  std::string rv = (*m)["metadata"].value("resourceVersion", "");
  while (!terminal_phase(current)) {
    bool deleted = false;
    auto end = ctx.client.watch(
        res::kSchemaMigration, ctx.ns,
        {.field_selector = "metadata.name=" + name, .resource_version = rv, .timeout_seconds = 60},
        [&](kube::WatchEvent&& ev) {
          if (ev.type == "BOOKMARK") {
            rv = ev.object["metadata"].value("resourceVersion", rv);
            return true;
          }
          if (ev.type == "DELETED") {
            deleted = true;
            return false;
          }
          current = std::move(ev.object);
          rv = current["metadata"].value("resourceVersion", rv);
          show(current, &lines);
          return !terminal_phase(current);
        });
    if (deleted) {
      ctx.err << "schemamigration " << name << " was deleted\n";
      return 1;
    }
    if (!end) {
      if (end.error().gone()) {  // too old a resourceVersion: read the object again
        auto again = ctx.client.get(res::kSchemaMigration, ctx.ns, name);
        if (!again) {
          ctx.err << describe_api_error(again.error()) << "\n";
          return 1;
        }
        current = *again;
        rv = current["metadata"].value("resourceVersion", "");
        show(current, &lines);
        continue;
      }
      ctx.err << describe_api_error(end.error()) << "\n";
      return 1;
    }
  }
  return 0;
}

int list_migrations(PluginContext& ctx, bool all_namespaces, bool names_only) {
  auto list = ctx.client.list_all(res::kSchemaMigration, all_namespaces ? "" : ctx.ns);
  if (!list) {
    ctx.err << describe_api_error(list.error()) << "\n";
    return 1;
  }
  if (names_only) {
    for (const auto& m : (*list)["items"]) ctx.out << m["metadata"].value("name", "") << "\n";
    return 0;
  }
  const std::string text = render_list(*list, all_namespaces, ctx.style, Clock::now());
  if ((*list)["items"].empty() && !all_namespaces) {
    ctx.out << "No SchemaMigrations found in " << ctx.ns << " namespace.\n";
  } else {
    ctx.out << text;
  }
  return 0;
}

int show_history(PluginContext& ctx, const std::string& name) {
  auto m = ctx.client.get(res::kSchemaMigration, ctx.ns, name);
  if (!m) {
    ctx.err << describe_api_error(m.error()) << "\n";
    return 1;
  }
  ctx.out << render_history(*m, ctx.style, Clock::now());
  return 0;
}

int control_migration(PluginContext& ctx, const std::string& name, Control control) {
  const char* said = "";
  switch (control) {
    case Control::kApprove:
      said = "approved: contract may start";
      break;
    case Control::kPause:
      said = "paused";
      break;
    case Control::kResume:
      said = "resumed";
      break;
    case Control::kAbort:
      said = "abort requested: the operator rolls it back";
      break;
  }
  auto patched =
      ctx.client.merge_patch(res::kSchemaMigration, ctx.ns, name,
                             {{"metadata", {{"annotations", control_annotations(control)}}}});
  if (!patched) {
    ctx.err << describe_api_error(patched.error()) << "\n";
    return 1;
  }
  ctx.out << kPluralName << "/" << name << " " << said << "\n";
  const json& spec = (*patched).value("spec", json::object());
  if (control == Control::kResume && spec.value("paused", false)) {
    ctx.err << "note: spec.paused is true in the manifest itself; it stays paused until the "
               "manifest says paused: false\n";
    return 1;
  }
  if (control == Control::kAbort && terminal_phase(*patched)) {
    ctx.err << "note: the migration has already ended (" << (*patched)["status"].value("phase", "")
            << "); nothing to roll back\n";
  }
  return 0;
}

int plan_file(const std::string& path, const ViewStyle& style, std::istream& in, std::ostream& out,
              std::ostream& err) {
  auto text = read_manifest_text(path, in);
  if (!text) {
    err << "error: " << text.error() << "\n";
    return 1;
  }
  auto docs = yaml_documents(*text);
  if (!docs) {
    err << "error: " << path << " is not valid YAML: " << docs.error() << "\n";
    return 1;
  }
  int plans = 0, refused = 0;
  for (const auto& d : *docs) {
    if (!d.is_object() || d.value("kind", "") != "SchemaMigration") {
      const std::string kind = d.is_object() ? d.value("kind", "(no kind)") : "(not an object)";
      err << "skipping " << kind << ": plan reads SchemaMigrations\n";
      continue;
    }
    const auto r = render_plan(d, style);
    out << (plans ? "\n" : "") << r.text;
    ++plans;
    refused += r.refused;
  }
  if (plans == 0) {
    err << "error: " << path << " holds no SchemaMigration\n";
    return 1;
  }
  return refused ? 1 : 0;
}

}  // namespace schemashift::cli
