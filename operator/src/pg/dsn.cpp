#include "pg/dsn.h"

#include <regex>

namespace schemashift::pg {

namespace {
const std::regex kUriPassword(R"(^([a-z]+://[^:/@]*):([^@]*)@)");
const std::regex kKvPassword(R"((^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+))");
}  // namespace

std::string redact_dsn(const std::string& dsn) {
  std::string out = std::regex_replace(dsn, kUriPassword, "$1:***@");
  out = std::regex_replace(out, kKvPassword, "$1password=***");
  // A URI may also carry ?password=...
  static const std::regex kQuery(R"(([?&]password=)[^&]*)");
  return std::regex_replace(out, kQuery, "$1***");
}

std::string dsn_password(const std::string& dsn) {
  std::smatch m;
  if (std::regex_search(dsn, m, kUriPassword)) return m[2].str();
  if (std::regex_search(dsn, m, kKvPassword)) {
    std::string v = m[2].str();
    if (v.size() >= 2 && v.front() == '\'') v = v.substr(1, v.size() - 2);
    return v;
  }
  static const std::regex kQuery(R"([?&]password=([^&]*))");
  if (std::regex_search(dsn, m, kQuery)) return m[1].str();
  return {};
}

std::string scrub(std::string text, const std::string& dsn) {
  auto replace_all = [&](const std::string& needle) {
    if (needle.size() < 3) return;  // too short to scrub without mangling the text
    for (std::size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + 3)) {
      text.replace(pos, needle.size(), "***");
    }
  };
  if (!dsn.empty()) replace_all(dsn);
  replace_all(dsn_password(dsn));
  return text;
}

}  // namespace schemashift::pg
