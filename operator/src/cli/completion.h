// Shell completion for kubectl-schemashift: the subcommands, their flags, and migration names
// (asked of the API server through `list -o name`, with the same namespace flags).
#pragma once

#include <string>

namespace schemashift::cli {

std::string bash_completion();
std::string zsh_completion();

}  // namespace schemashift::cli
