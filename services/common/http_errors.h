// The errors a handler throws for an answer other than success; HttpServer turns them into
// JSON responses:
//   BadRequest   400 {"error":"bad_request","field":..,"reason":..}
//   NotFound     404 {"error":"not_found","message":..}
//   Gone         410 {"error":"gone","message":..,"successor":..}
//   Unavailable  503 {"error":"unavailable",..} + Retry-After
// A pqxx::broken_connection (or a cancelled statement) escaping a handler is also 503 with
// Retry-After. Anything else is 500 {"error":"internal","request_id":..}: the exception is
// logged by the server, its message (which may name the database) never sent to the client.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace schemashift::svc {

struct Request;
struct Response;

struct BadRequest : std::runtime_error {
  BadRequest(std::string field_name, const std::string& reason)
      : std::runtime_error(reason), field(std::move(field_name)) {}
  std::string field;
};

struct NotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Gone : std::runtime_error {
  Gone(const std::string& message, std::string successor_path)
      : std::runtime_error(message), successor(std::move(successor_path)) {}
  std::string successor;
};

struct Unavailable : std::runtime_error {
  explicit Unavailable(const std::string& message, int retry_after = 1)
      : std::runtime_error(message), retry_after_s(retry_after) {}
  int retry_after_s = 1;
};

// The response for a handler's exception. `internal` is set when it is a 500 (the server logs
// those).
Response error_response(const std::exception_ptr& error, const std::string& request_id,
                        bool* internal = nullptr);

// The request body as a JSON object; BadRequest{"body", why} when it is not one.
nlohmann::json parse_json_body(const Request& req);

}  // namespace schemashift::svc
