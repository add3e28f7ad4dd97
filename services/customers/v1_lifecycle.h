// The retirement of /v1 (scenario 7), driven by the customers.v1_lifecycle flag:
//   old                  v1 answers as always
//   dual-write, read-new v1 answers with Deprecation (RFC 9745), Sunset (RFC 8594) and
//                        Link: </v2/customers>; rel="successor-version"
//   new                  v1 answers 410 Gone, naming /v2/customers in the body and the Link
// Per-client v1 use (to know when it reached zero) is http_requests_total{api_version="v1"}.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "flag_modes.h"
#include "http_server.h"

namespace schemashift::customers {

struct V1Retirement {
  std::int64_t deprecated_at = 1767225600;  // 2026-01-01T00:00:00Z, Unix seconds
  std::int64_t sunset_at = 1782864000;      // 2026-07-01T00:00:00Z
};

inline constexpr const char* kV2Successor = "/v2/customers";

// The headers a v1 response carries in `mode` (none in old).
std::vector<std::pair<std::string, std::string>> v1_headers(svc::FlagMode mode,
                                                            const V1Retirement& dates);
// "Wed, 01 Jul 2026 00:00:00 GMT"
std::string http_date(std::int64_t unix_seconds);

// Wraps a v1 handler: Gone in new, the deprecation headers (on errors too) otherwise.
svc::Handler v1_endpoint(const svc::Flags& flags, V1Retirement dates, svc::Handler h);

}  // namespace schemashift::customers
