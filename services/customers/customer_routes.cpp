#include "customer_routes.h"

#include "http_errors.h"
#include "openapi.h"
#include "request_fields.h"
#include "v2_fault.h"

namespace schemashift::customers {

namespace {
using svc::Request;
using svc::Response;

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 500;

// One version's shapes: how a body becomes a Customer and a Customer a body.
struct Shape {
  std::string prefix;  // "/v1"
  Customer (*from_body)(const nlohmann::json&);
  nlohmann::json (*to_body)(const Customer&);
};

int limit_of(const Request& req) {
  const auto text = req.query("limit");
  if (!text) return kDefaultLimit;
  const auto v = svc::positive_id(*text, "limit");
  if (v > kMaxLimit) throw svc::BadRequest("limit", "must be at most " + std::to_string(kMaxLimit));
  return static_cast<int>(v);
}

std::int64_t after_of(const Request& req) {
  const auto text = req.query("after");
  if (!text || *text == "0") return 0;
  return svc::positive_id(*text, "after");
}

Customer found(std::optional<Customer> c, std::int64_t id) {
  if (!c) throw svc::NotFound("no customer with id " + std::to_string(id));
  return *c;
}

void add_version(svc::HttpServer& server, CustomerStore& store, const Shape& shape,
                 const std::function<svc::Handler(svc::Handler)>& wrap) {
  const std::string collection = shape.prefix + "/customers";
  server.get(collection, wrap([&store, shape](const Request& req) {
               const int limit = limit_of(req);
               const auto customers = store.list(after_of(req), limit);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& c : customers) items.push_back(shape.to_body(c));
               nlohmann::json next = nullptr;
               if (static_cast<int>(customers.size()) == limit) next = customers.back().id;
               return Response{
                   .status = 200, .body = {{"items", items}, {"next_after", next}}, .headers = {}};
             }));
  server.get(collection + "/:id", wrap([&store, shape](const Request& req) {
               const auto id = svc::positive_id(req.param("id"), "id");
               return Response{
                   .status = 200, .body = shape.to_body(found(store.get(id), id)), .headers = {}};
             }));
  server.post(collection, wrap([&store, shape, collection](const Request& req) {
                const auto created = store.create(shape.from_body(svc::parse_json_body(req)));
                return Response{
                    .status = 201,
                    .body = shape.to_body(created),
                    .headers = {{"Location", collection + "/" + std::to_string(created.id)}}};
              }));
  server.put(collection + "/:id", wrap([&store, shape](const Request& req) {
               const auto id = svc::positive_id(req.param("id"), "id");
               const auto input = shape.from_body(svc::parse_json_body(req));
               return Response{.status = 200,
                               .body = shape.to_body(found(store.update(id, input), id)),
                               .headers = {}};
             }));
}
}  // namespace

void add_customer_routes(svc::HttpServer& server, CustomerStore& store, const svc::Flags& flags,
                         const V1Retirement& retirement,
                         const std::set<std::int64_t>& failing_v2_ids) {
  add_version(server, store, Shape{"/v1", &customer_from_v1, &to_v1},
              [&flags, retirement](svc::Handler h) {
                return v1_endpoint(flags, retirement, std::move(h));
              });
  // v2 shows preferred_language only once the mode reads it.
  add_version(
      server, store, Shape{"/v2", &customer_from_v2, &to_v2},
      [failing_v2_ids](svc::Handler h) { return failing_v2_reads(failing_v2_ids, std::move(h)); });
  server.get("/v1/openapi.json", [](const Request&) {
    return Response{.status = 200, .body = openapi_v1(), .headers = {}};
  });
  server.get("/v2/openapi.json", [](const Request&) {
    return Response{.status = 200, .body = openapi_v2(), .headers = {}};
  });
}

}  // namespace schemashift::customers
