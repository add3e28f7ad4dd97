// Percent-encoding for URL query values (RFC 3986: unreserved characters kept), shared by the
// Kubernetes client's query strings and the prometheus gate's PromQL.
#pragma once

#include <string>

namespace schemashift {

std::string url_encode(const std::string& s);

}  // namespace schemashift
