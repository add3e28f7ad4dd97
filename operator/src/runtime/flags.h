// Flags: command-line parsing in the style Kubernetes users know (--name=value or --name
// value, --bool or --bool=false), with a generated --help and errors that name the flag.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace schemashift::runtime {

class Flags {
 public:
  explicit Flags(std::string program, std::string summary)
      : program_(std::move(program)), summary_(std::move(summary)) {}

  void add_string(const std::string& name, std::string default_value, std::string help);
  void add_bool(const std::string& name, bool default_value, std::string help);
  void add_int(const std::string& name, int default_value, std::string help);

  // Parses argv; false with `error` set on an unknown flag, a missing or bad value.
  // `help_requested` is set for --help / -h.
  bool parse(int argc, const char* const* argv, std::string* error, bool* help_requested);

  std::string str(const std::string& name) const;
  bool boolean(const std::string& name) const;
  int integer(const std::string& name) const;
  std::string usage() const;

 private:
  struct Flag {
    enum Kind { kString, kBool, kInt } kind;
    std::string value, default_value, help;
  };
  std::string program_, summary_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> order_;
};

}  // namespace schemashift::runtime
