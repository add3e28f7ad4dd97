// The real OpenAPI validator for the tests: openapi-spec-validator and jsonschema in the
// cache's Python venv (hack/py-tools.sh makes it), driven through tests/services/openapi_check.py.
#pragma once

#include <string>

namespace schemashift::testing {

struct Verdict {
  bool valid = false;
  std::string detail;  // the validator's output
};

// Whether `document` (JSON text) is a valid OpenAPI 3.1 document.
Verdict validate_openapi(const std::string& document);
// Whether `body` (JSON text) matches the schema `document` declares for `method path status`
// (path as in the document: "/v1/customers/{id}").
Verdict validate_response(const std::string& document, const std::string& path,
                          const std::string& method, int status, const std::string& body);

}  // namespace schemashift::testing
