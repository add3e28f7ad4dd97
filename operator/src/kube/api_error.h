// ApiError: why a call to the Kubernetes API failed, as the API server said it (its Status
// object: reason, code, message, field causes) or as the transport saw it (timeout, TLS,
// connection refused, undecodable response).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace schemashift::kube {

struct FieldCause {
  std::string field;    // e.g. "spec.backfill.table"
  std::string reason;   // e.g. "FieldValueRequired"
  std::string message;  // human-readable
};

struct ApiError {
  // HTTP status of the response; 0 when no response arrived (see reason).
  int code = 0;
  // Kubernetes StatusReason ("NotFound", "AlreadyExists", "Conflict", "Invalid", "Gone",
  // "Forbidden", "Unauthorized", "Timeout", ...) or, for transport failures, one of
  // "TransportError", "TLSError", "Timeout", "DecodeError", "ConfigError".
  std::string reason;
  std::string message;
  std::vector<FieldCause> causes;

  bool not_found() const { return reason == "NotFound" || code == 404; }
  bool already_exists() const { return reason == "AlreadyExists"; }
  bool conflict() const { return reason == "Conflict" || (code == 409 && !already_exists()); }
  bool gone() const { return reason == "Gone" || reason == "Expired" || code == 410; }
  bool forbidden() const { return reason == "Forbidden" || code == 403; }
  bool unauthorized() const { return reason == "Unauthorized" || code == 401; }
  bool invalid() const { return reason == "Invalid" || code == 422; }
  bool transient() const;  // worth retrying with backoff (timeouts, 429, 5xx, transport)

  // "Forbidden (403): <message>" plus one line per field cause.
  std::string describe() const;

  // Decodes a metav1.Status body; falls back to the HTTP status when the body is not one.
  static ApiError from_response(int http_status, const std::string& body);
  static ApiError from_status_object(const nlohmann::json& status);
  static ApiError transport(std::string reason, std::string message);
};

template <class T>
using Result = schemashift::Result<T, ApiError>;

}  // namespace schemashift::kube
