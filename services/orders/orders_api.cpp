#include "orders_api.h"

#include "http_errors.h"
#include "order_json.h"
#include "request_fields.h"

namespace schemashift::orders {

namespace {

using Render = nlohmann::json (*)(const Order&);
using Parse = NewOrder (*)(const nlohmann::json&);

void add_version(svc::HttpServer& server, const std::string& v, Render render, Parse parse,
                 OrderStore& store, const svc::Flags& flags) {
  server.post("/" + v + "/orders", [&store, &flags, render, parse, v](const svc::Request& req) {
    const NewOrder order = parse(svc::parse_json_body(req));
    const CreatedOrder created = store.create(order, current_modes(flags));
    svc::Response res;
    res.status = 201;
    res.body = render(created.order);
    res.headers.emplace_back("Location", "/" + v + "/orders/" + std::to_string(created.order.id));
    return res;
  });
  server.get("/" + v + "/orders/:id", [&store, &flags, render](const svc::Request& req) {
    const auto id = svc::positive_id(req.param("id"), "id");
    auto order = store.find(id, current_modes(flags));
    if (!order) throw svc::NotFound("order " + std::to_string(id) + " does not exist");
    return svc::Response{200, render(*order), {}};
  });
  server.get("/" + v + "/orders", [&store, &flags, render](const svc::Request& req) {
    std::int64_t after = 0;
    if (auto a = req.query("after")) after = svc::positive_id(*a, "after");
    int limit = 50;
    if (auto l = req.query("limit")) {
      const auto n = svc::positive_id(*l, "limit");
      if (n > 500) throw svc::BadRequest("limit", "must be at most 500");
      limit = static_cast<int>(n);
    }
    std::optional<std::int64_t> customer;
    if (auto c = req.query("customer_id")) customer = svc::positive_id(*c, "customer_id");
    const auto orders = store.list(after, limit, customer, current_modes(flags));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& o : orders) items.push_back(render(o));
    nlohmann::json body = {{"items", items}};
    if (static_cast<int>(orders.size()) == limit) body["next_after"] = orders.back().id;
    return svc::Response{200, body, {}};
  });
}

}  // namespace

void add_order_routes(svc::HttpServer& server, OrderStore& store, const svc::Flags& flags) {
  add_version(server, "v1", v1_json, parse_v1_order, store, flags);
  add_version(server, "v2", v2_json, parse_v2_order, store, flags);
}

}  // namespace schemashift::orders
