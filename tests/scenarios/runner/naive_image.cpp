#include "scenarios/runner/naive_image.h"

#include <stdexcept>

#include "support/process.h"

namespace schemashift::scenarios {

std::string build_naive_image(const std::string& source_dir, const std::string& build_dir,
                              const std::string& slug, const std::string& patch,
                              const std::string& service) {
  using testing::shell_quote;
  const std::string tag = "naive-" + slug.substr(0, 2);
  const auto r = testing::run_command(
      shell_quote(source_dir + "/tests/scenarios/runner/build_naive_image.sh") + " " +
      shell_quote(source_dir) + " " + shell_quote(build_dir) + " " + shell_quote(slug) + " " +
      shell_quote(patch) + " " + shell_quote(service) + " " + shell_quote(tag) + " 2>&1");
  if (r.exit_code != 0) throw std::runtime_error("the naive image of " + slug + ": " + r.output);
  return tag;
}

}  // namespace schemashift::scenarios
