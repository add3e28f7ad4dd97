// The orders REST API, v1 and v2: POST /vN/orders, GET /vN/orders/:id, GET /vN/orders
// (?customer_id=&after=&limit=, ascending by id, "next_after" to page on).
#pragma once

#include "flag_modes.h"
#include "http_server.h"
#include "order_store.h"

namespace schemashift::orders {

void add_order_routes(svc::HttpServer& server, OrderStore& store, const svc::Flags& flags);

}  // namespace schemashift::orders
