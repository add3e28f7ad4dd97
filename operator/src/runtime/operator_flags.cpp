#include "runtime/operator_flags.h"

#include <CLI/CLI.hpp>

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
  app.add_option("--namespace", f.watch_namespace,
                 "watch SchemaMigrations in this namespace only; empty: all namespaces");
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
