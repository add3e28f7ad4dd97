#include "runtime/operator_flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string_view>

namespace schemashift::runtime {

namespace {

// A bool flag that also takes =true / =false, and says so when given anything else.
void add_bool(CLI::App& app, const std::string& name, bool& value, const std::string& help) {
  app.add_flag_function(
         "--" + name, [&value](std::int64_t count) { value = count > 0; }, help)
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            if (v == "true" || v == "1") return {};
            if (v == "false" || v == "0") {
              v = "-1";  // CLI11's way of saying "turn it off"
              return {};
            }
            return "takes true or false, not \"" + v + "\"";
          },
          "", "true-or-false"));
}

// A namespace is a DNS-1123 label: at most 63 of [a-z0-9-], starting and ending alphanumeric.
// The empty name is allowed: it is how --namespace= asks for every namespace.
std::string namespace_problem(const std::string& v) {
  if (v.empty()) return {};
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = v.size() <= 63 && alnum(v.front()) && alnum(v.back());
  for (char c : v) ok = ok && (alnum(c) || c == '-');
  if (ok) return {};
  return "\"" + v +
         "\" is not a namespace name (a DNS-1123 label: at most 63 lowercase letters, digits "
         "or '-', starting and ending with a letter or digit)";
}

// Sorted, without duplicates; an empty name among them (--namespace=) means all namespaces.
std::vector<std::string> watch_list(std::vector<std::string> names) {
  for (const auto& n : names)
    if (n.empty()) return {};
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

ParsedFlags parse_operator_flags(int argc, const char* const* argv) {
  ParsedFlags out;
  OperatorFlags& f = out.flags;
  CLI::App app{
      "schemashift-operator moves SchemaMigration resources through expand, dual-write, "
      "backfill,\nverify, read switch and contract, and rolls them back when a gate fails.",
      "schemashift-operator"};
  app.get_formatter()->column_width(36);
  app.add_option("--kubeconfig", f.kubeconfig,
                 "path to a kubeconfig; empty: $KUBECONFIG, in-cluster, ~/.kube/config");

  app.add_option("--namespace", f.watch_namespaces,
                 "watch SchemaMigrations in these namespaces only (comma-separated or "
                 "repeated); empty: all namespaces")
      ->delimiter(',')
      // One value per flag (so a stray word is refused, not watched); "--namespace=" is all.
      ->expected(0, 1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::Validator([](std::string& v) { return namespace_problem(v); }, "", "namespace"));
  add_bool(app, "leader-elect", f.leader_elect,
           "elect a leader on a Lease so only one replica reconciles");
  app.add_option("--leader-election-namespace", f.leader_election_namespace,
                 "namespace of the leader-election Lease (default: the config's)");
  app.add_option("--leader-election-id", f.leader_election_id, "name of the leader-election Lease")
      ->capture_default_str();
  app.add_option("--metrics-bind-address", f.metrics_addr,
                 "address of the Prometheus /metrics endpoint; 0 disables it")
      ->capture_default_str();
  app.add_option("--health-probe-bind-address", f.probe_addr,
                 "address of /healthz and /readyz; 0 disables them")
      ->capture_default_str();
  app.add_option("--workers", f.workers, "migrations reconciled in parallel")
      ->check(CLI::Range(1, 64).description(""))
      ->capture_default_str();
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"})
                  .description(""))
      ->capture_default_str();
  app.add_option("--probe", f.probe_url,
                 "only GET this http URL (e.g. another replica's /readyz) and exit 0 on 200, "
                 "1 otherwise: the chart's helm test, with no other image");
  try {
    app.parse(argc, argv);
    // CLI11 takes a bare --namespace as an empty one (all namespaces); refuse it instead, so
    // a forgotten value never widens the watch.
    for (int i = 1; i < argc; ++i)
      if (std::string_view(argv[i]) == "--namespace" &&
          (i + 1 == argc || std::string_view(argv[i + 1]).starts_with("-")))
        throw CLI::ValidationError("--namespace",
                                   "needs a value (--namespace= watches all namespaces)");
    f.watch_namespaces = watch_list(std::move(f.watch_namespaces));
  } catch (const CLI::CallForHelp&) {
    out.outcome = ParsedFlags::kHelp;
    out.text = app.help();
  } catch (const CLI::ParseError& e) {
    out.outcome = ParsedFlags::kBadInput;
    out.text = e.what();
  }
  return out;
}

}  // namespace schemashift::runtime
