// OperatorFlags: schemashift-operator's command line (CLI11), in the style Kubernetes users
// know (--name=value or --name value, --bool or --bool=false), with --help and errors that
// name the flag.
#pragma once

#include <string>
#include <vector>

namespace schemashift::runtime {

struct OperatorFlags {
  std::string kubeconfig;
  // The namespaces whose SchemaMigrations are watched, one watch each; empty: all namespaces.
  std::vector<std::string> watch_namespaces;
  bool leader_elect = false;
  std::string leader_election_namespace;
  std::string leader_election_id = "schemashift-operator";
  std::string metrics_addr = ":8080";
  std::string probe_addr = ":8081";
  int workers = 2;
  std::string log_level = "info";
  std::string probe_url;
};

// What parsing the command line decided.
struct ParsedFlags {
  enum Outcome { kRun, kHelp, kBadInput } outcome = kRun;
  OperatorFlags flags{};
  std::string text{};  // kHelp: the usage; kBadInput: what is wrong, naming the flag
};

ParsedFlags parse_operator_flags(int argc, const char* const* argv);

}  // namespace schemashift::runtime
