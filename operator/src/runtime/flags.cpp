#include "runtime/flags.h"

#include <sstream>
#include <stdexcept>

namespace schemashift::runtime {

void Flags::add_string(const std::string& name, std::string def, std::string help) {
  flags_[name] = {Flag::kString, def, def, std::move(help)};
  order_.push_back(name);
}
void Flags::add_bool(const std::string& name, bool def, std::string help) {
  flags_[name] = {Flag::kBool, def ? "true" : "false", def ? "true" : "false", std::move(help)};
  order_.push_back(name);
}
void Flags::add_int(const std::string& name, int def, std::string help) {
  flags_[name] = {Flag::kInt, std::to_string(def), std::to_string(def), std::move(help)};
  order_.push_back(name);
}

bool Flags::parse(int argc, const char* const* argv, std::string* error, bool* help_requested) {
  *help_requested = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help_requested = true;
      return true;
    }
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument \"" + arg + "\" (flags start with --; see --help)";
      return false;
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      *error = "unknown flag --" + name + " (see --help)";
      return false;
    }
    Flag& f = it->second;
    if (!has_value) {
      if (f.kind == Flag::kBool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        *error = "flag --" + name + " needs a value";
        return false;
      }
    }
    if (f.kind == Flag::kBool && value != "true" && value != "false") {
      *error = "flag --" + name + " takes true or false, not \"" + value + "\"";
      return false;
    }
    if (f.kind == Flag::kInt) {
      try {
        size_t used = 0;
        (void)std::stoi(value, &used);
        if (used != value.size()) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        *error = "flag --" + name + " takes a whole number, not \"" + value + "\"";
        return false;
      }
    }
    f.value = value;
  }
  return true;
}

std::string Flags::str(const std::string& name) const { return flags_.at(name).value; }
bool Flags::boolean(const std::string& name) const { return flags_.at(name).value == "true"; }
int Flags::integer(const std::string& name) const { return std::stoi(flags_.at(name).value); }

std::string Flags::usage() const {
  std::ostringstream out;
  out << summary_ << "\n\nUsage: " << program_ << " [flags]\n\nFlags:\n";
  for (const auto& name : order_) {
    const Flag& f = flags_.at(name);
    std::string left = "  --" + name +
                       (f.kind == Flag::kBool  ? ""
                        : f.kind == Flag::kInt ? " int"
                                               : " string");
    out << left << std::string(left.size() < 38 ? 38 - left.size() : 1, ' ') << f.help;
    if (!f.default_value.empty() && f.default_value != "false")
      out << " (default \"" << f.default_value << "\")";
    out << "\n";
  }
  const std::string help = "  -h, --help";
  out << help << std::string(38 - help.size(), ' ') << "show this help\n";
  return out.str();
}

}  // namespace schemashift::runtime
