#include "shipments_api.h"

#include "http_errors.h"
#include "request_fields.h"

namespace schemashift::fulfillment {

void add_shipment_routes(svc::HttpServer& server, ShipmentStore& store) {
  server.get("/v1/shipments/:order_id", [&store](const svc::Request& req) {
    const auto order_id = svc::positive_id(req.param("order_id"), "order_id");
    auto shipment = store.by_order(order_id);
    if (!shipment)
      throw svc::NotFound("no shipment for order " + std::to_string(order_id) + " yet");
    return svc::Response{200, shipment_json(*shipment), {}};
  });
}

}  // namespace schemashift::fulfillment
