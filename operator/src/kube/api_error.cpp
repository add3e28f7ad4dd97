#include "kube/api_error.h"

namespace schemashift::kube {

namespace {

std::string reason_for_http(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return code >= 500 ? "InternalError" : "Unknown";
  }
}

std::string str_or(const nlohmann::json& j, const char* key, std::string fallback = {}) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

bool ApiError::transient() const {
  if (code == 0) return reason != "ConfigError" && reason != "DecodeError";
  return code == 429 || code >= 500 || reason == "Timeout" || reason == "ServerTimeout";
}

std::string ApiError::describe() const {
  std::string out = reason.empty() ? std::string("Error") : reason;
  if (code != 0) out += " (" + std::to_string(code) + ")";
  if (!message.empty()) out += ": " + message;
  for (const auto& c : causes) {
    out += "\n  - ";
    if (!c.field.empty()) out += c.field + ": ";
    out += c.message.empty() ? c.reason : c.message;
  }
  return out;
}

ApiError ApiError::from_status_object(const nlohmann::json& status) {
  ApiError e;
  if (auto it = status.find("code"); it != status.end() && it->is_number_integer()) {
    e.code = it->get<int>();
  }
  e.reason = str_or(status, "reason", reason_for_http(e.code));
  e.message = str_or(status, "message");
  if (auto d = status.find("details"); d != status.end() && d->is_object()) {
    if (auto cs = d->find("causes"); cs != d->end() && cs->is_array()) {
      for (const auto& c : *cs) {
        if (!c.is_object()) continue;
        e.causes.push_back({str_or(c, "field"), str_or(c, "reason"), str_or(c, "message")});
      }
    }
  }
  return e;
}

ApiError ApiError::from_response(int http_status, const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && str_or(j, "kind") == "Status") {
    ApiError e = from_status_object(j);
    if (e.code == 0) e.code = http_status;
    return e;
  }
  ApiError e;
  e.code = http_status;
  e.reason = reason_for_http(http_status);
  e.message = body.size() > 512 ? body.substr(0, 512) + "..." : body;
  return e;
}

ApiError ApiError::transport(std::string reason, std::string message) {
  ApiError e;
  e.reason = std::move(reason);
  e.message = std::move(message);
  return e;
}

}  // namespace schemashift::kube
