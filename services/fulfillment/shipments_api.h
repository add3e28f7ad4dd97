// GET /v1/shipments/:order_id: the shipment made for an order (404 until there is one).
#pragma once

#include "http_server.h"
#include "shipment_store.h"

namespace schemashift::fulfillment {

void add_shipment_routes(svc::HttpServer& server, ShipmentStore& store);

}  // namespace schemashift::fulfillment
