#include "events/registry_url.h"

#include "common/redact.h"

namespace schemashift::events {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int hi = s[i] == '%' && i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
    if (lo >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Result<RegistryUrl, std::string> parse_registry_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return fail("schema registry URL \"" + redact_urls(url) +
                "\" is not http(s)://host[:port]/...");
  const auto authority_start = scheme_end + 3;
  auto path_start = url.find_first_of("/?#", authority_start);
  if (path_start == std::string::npos) path_start = url.size();
  std::string authority = url.substr(authority_start, path_start - authority_start);
  RegistryUrl out;
  // The userinfo ends at the last '@' of the authority (a password may hold an '@' of its own).
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    const std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    out.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string::npos) out.password = percent_decode(userinfo.substr(colon + 1));
  }
  if (authority.empty() || authority.front() == ':')
    return fail("schema registry URL \"" + redact_urls(url) + "\" has no host");
  out.origin = scheme + "://" + authority;
  out.prefix = url.substr(path_start);
  if (const auto query = out.prefix.find_first_of("?#"); query != std::string::npos)
    out.prefix.resize(query);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  out.display = out.origin + out.prefix;
  return out;
}

}  // namespace schemashift::events
