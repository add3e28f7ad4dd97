// A schema registry's base URL taken apart: the origin the HTTP client connects to, the API's
// path prefix, and the credentials of its userinfo (sent as basic auth, never printed).
#pragma once

#include <string>

#include "common/result.h"

namespace schemashift::events {

struct RegistryUrl {
  std::string origin;    // http://host:port, without userinfo
  std::string prefix;    // /apis/ccompat/v7, without a trailing '/'; may be empty
  std::string user;      // percent-decoded; empty without userinfo
  std::string password;  // percent-decoded
  std::string display;   // the URL as it may be printed: origin + prefix, no credentials
};

// "http://user:pass@host:8081/apis/ccompat/v7/" -> {http://host:8081, /apis/ccompat/v7, user,
// pass}. A URL that is not http(s)://host... is an error whose text has no credentials.
Result<RegistryUrl, std::string> parse_registry_url(const std::string& url);

}  // namespace schemashift::events
