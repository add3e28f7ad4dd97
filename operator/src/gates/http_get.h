// The HTTP GET the web and metrics gates share: a URL split into origin and path, short
// timeouts, and any non-2xx answer treated as a failure.
#pragma once

#include <string>

#include "common/result.h"

namespace schemashift::gates {

// The body of a 2xx answer, or why there is none ("<url>: Connection", "<url> answered 503").
// `default_path` is used when the URL has none.
Result<std::string, std::string> http_get(const std::string& url,
                                          const std::string& default_path = "/");

}  // namespace schemashift::gates
