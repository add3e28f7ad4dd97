// Redaction by structure, for any text schemashift prints (conditions, events, logs, gate
// details): credentials are found by where they sit, not by searching for a known value, so a
// secret of any length is masked and nothing else is touched.
#pragma once

#include <string>

namespace schemashift {

// Every URL in `text` without its userinfo ("https://***@host/...") and with the values of
// credential-like query parameters (password, token, access_token, apikey, secret, sig, ...)
// replaced by "***".
std::string redact_urls(const std::string& text);

// Every key=value credential pair in `text` (password=..., sslpassword=..., Password=...;,
// Pwd=..., including quoted values) with its value replaced by "***".
std::string redact_credential_pairs(const std::string& text);

// Both of the above.
std::string redact_credentials(const std::string& text);

}  // namespace schemashift
