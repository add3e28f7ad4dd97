#include "cli/cli_run.h"

#include <filesystem>
#include <fstream>

#include "support/stack_env.h"
#include "support/subprocess.h"

namespace schemashift::testing {

std::string schemashift_binary() { return std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift"; }

CliResult run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv{schemashift_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess p(argv, env);
  CliResult r;
  r.code = p.wait();
  r.output = p.output();
  return r;
}

std::string write_manifest(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / ("schemashift-cli-" + unique_suffix());
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace schemashift::testing
