#include "support/stack_env.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>

namespace schemashift::testing {

namespace {

std::map<std::string, std::string> load() {
  const char* path = std::getenv("SCHEMASHIFT_STACK_ENV");
  if (!path || !*path) {
    throw std::runtime_error(
        "SCHEMASHIFT_STACK_ENV is not set: run integration tests through ctest "
        "(which brings the stack up) or point it at .stack/env after `make stack-up`");
  }
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(std::string("cannot read the stack env file ") + path +
                             " (is the stack up?)");
  std::map<std::string, std::string> vars;
  std::string line;
  while (std::getline(in, line)) {
    const std::string prefix = "export ";
    if (line.rfind(prefix, 0) != 0) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(prefix.size(), eq - prefix.size());
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
      value = value.substr(1, value.size() - 2);
    vars[key] = value;
  }
  return vars;
}

}  // namespace

std::string stack_var(const std::string& key) {
  static std::once_flag once;
  static std::map<std::string, std::string> vars;
  std::call_once(once, [] { vars = load(); });
  auto it = vars.find(key);
  if (it == vars.end() || it->second.empty()) {
    throw std::runtime_error("the stack env file has no " + key +
                             " (is the stack up and complete?)");
  }
  return it->second;
}

std::string unique_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(alphabet[rng() % 36]);
  return s;
}

}  // namespace schemashift::testing
