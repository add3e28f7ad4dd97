#include "common/redact.h"

#include <regex>

namespace schemashift {

namespace {

// scheme://userinfo@ : the userinfo is everything up to the last '@' before the host ends.
const std::regex kUserinfo(R"(([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s@"'<>]*@)");

// Query parameters (and matrix/fragment-style pairs) whose value is a credential.
const std::regex kSecretParam(
    R"(([?&;#](?:password|passwd|pwd|pass|token|access_token|refresh_token|id_token|auth|)"
    R"(auth_token|authorization|api[_-]?key|apikey|key|secret|client_secret|sig|signature|)"
    R"(sslpassword|x-amz-signature|x-amz-credential|x-amz-security-token|sas|code)=)[^&;#\s"'<>]*)",
    std::regex::icase);

// key=value pairs: libpq (password=x, password='a b'), ADO.NET/JDBC dialects (Password=x;).
const std::regex kCredentialPair(
    R"((^|[\s;,(?&])((?:ssl)?password|passwd|pwd)(\s*[=:]\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s;,&)]*))",
    std::regex::icase);

}  // namespace

std::string redact_urls(const std::string& text) {
  std::string out = std::regex_replace(text, kUserinfo, "$1***@");
  return std::regex_replace(out, kSecretParam, "$1***");
}

std::string redact_credential_pairs(const std::string& text) {
  return std::regex_replace(text, kCredentialPair, "$1$2$3***");
}

std::string redact_credentials(const std::string& text) {
  return redact_credential_pairs(redact_urls(text));
}

}  // namespace schemashift
