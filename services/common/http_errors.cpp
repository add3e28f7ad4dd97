#include "http_errors.h"

#include <pqxx/pqxx>

#include "http_server.h"

namespace schemashift::svc {

namespace {
Response json_error(int status, nlohmann::json body, const std::string& request_id) {
  Response r;
  r.status = status;
  body["request_id"] = request_id;
  r.body = std::move(body);
  return r;
}

Response unavailable(const std::string& message, int retry_after, const std::string& request_id) {
  auto r = json_error(503, {{"error", "unavailable"}, {"message", message}}, request_id);
  r.headers.emplace_back("Retry-After", std::to_string(retry_after));
  return r;
}

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without
// the bracketed id.
std::string parse_reason(const std::string& what) {
  const auto close = what.find("] ");
  return "malformed JSON: " + (close == std::string::npos ? what : what.substr(close + 2));
}
}  // namespace

Response error_response(const std::exception_ptr& error, const std::string& request_id,
                        bool* internal) {
  if (internal) *internal = false;
  try {
    std::rethrow_exception(error);
  } catch (const BadRequest& e) {
    return json_error(400, {{"error", "bad_request"}, {"field", e.field}, {"reason", e.what()}},
                      request_id);
  } catch (const NotFound& e) {
    return json_error(404, {{"error", "not_found"}, {"message", e.what()}}, request_id);
  } catch (const Gone& e) {
    auto r = json_error(410, {{"error", "gone"}, {"message", e.what()}, {"successor", e.successor}},
                        request_id);
    r.headers.emplace_back("Link", "<" + e.successor + ">; rel=\"successor-version\"");
    return r;
  } catch (const Unavailable& e) {
    return unavailable(e.what(), e.retry_after_s, request_id);
  } catch (const pqxx::broken_connection&) {
    return unavailable("the database is unreachable", 1, request_id);
  } catch (const pqxx::sql_error& e) {
    // 57014 query_canceled: statement_timeout; 57P01..57P03: the server is shutting down or
    // starting; 53300: too many connections.
    const std::string& state = e.sqlstate();
    if (state == "57014" || state.rfind("57P0", 0) == 0 || state == "53300")
      return unavailable("the database did not answer in time", 1, request_id);
    if (internal) *internal = true;
    return json_error(500, {{"error", "internal"}}, request_id);
  } catch (...) {
    if (internal) *internal = true;
    return json_error(500, {{"error", "internal"}}, request_id);
  }
}

nlohmann::json parse_json_body(const Request& req) {
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(req.raw.body);
  } catch (const nlohmann::json::parse_error& e) {
    throw BadRequest("body", parse_reason(e.what()));
  }
  if (!body.is_object()) throw BadRequest("body", "must be a JSON object");
  return body;
}

}  // namespace schemashift::svc
