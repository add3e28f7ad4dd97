// Runs the `schemashift` binary as a user would (a subprocess), for the CLI's tests.
#pragma once

#include <string>
#include <vector>

namespace schemashift::testing {

struct CliResult {
  int code = -1;       // exit code, or -signal
  std::string output;  // stdout and stderr
};

std::string schemashift_binary();

// Runs it with `args` (and `env`, "KEY=value" entries) to the end.
CliResult run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// Writes `text` to a fresh file under the build's temp dir and returns its path.
std::string write_manifest(const std::string& name, const std::string& text);

}  // namespace schemashift::testing
