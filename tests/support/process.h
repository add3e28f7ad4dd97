// Runs a command line for tests that drive the system as a user would (helm, kubectl).
#pragma once

#include <string>

namespace schemashift::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through /bin/sh, capturing its output.
CommandResult run_command(const std::string& command);

// Quotes `s` for a POSIX shell.
std::string shell_quote(const std::string& s);

}  // namespace schemashift::testing
