// Base64 decoding (kubeconfig *-data fields, Secret data), with OpenSSL.
#pragma once

#include <optional>
#include <string>

namespace schemashift {

// Decodes standard base64, ignoring line breaks and spaces; nullopt if it is not valid base64.
std::optional<std::string> base64_decode(const std::string& in);

}  // namespace schemashift
