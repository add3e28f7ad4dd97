// The fulfillment service assembled: its pool and baseline schema, its flags, the OrderCreated
// consumer with its dead-letter topic, the customers client, and a small HTTP surface
// (/healthz, /readyz, /v1/shipments/:order_id, metrics), run until SIGTERM.
#pragma once

#include <string>

#include "config.h"

namespace schemashift::fulfillment {

struct FulfillmentConfig {
  svc::ServiceConfig common;
  std::string topic = "orders.order-created";  // --orders-topic / ORDERS_TOPIC
  std::string customers_url;                   // --customers-url / CUSTOMERS_URL
  std::string consumer_group = "fulfillment";  // --consumer-group / CONSUMER_GROUP
};

int run(const FulfillmentConfig& cfg);

}  // namespace schemashift::fulfillment
