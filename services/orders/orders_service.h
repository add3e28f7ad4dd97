// The orders service assembled: its database pool and baseline schema, its flags, the REST
// API, the registry's schema ids, the producer and the outbox relay, run until SIGTERM.
#pragma once

#include <string>

#include "config.h"

namespace schemashift::orders {

struct OrdersConfig {
  svc::ServiceConfig common;
  std::string topic = "orders.order-created";  // --orders-topic / ORDERS_TOPIC
};

// Runs the service until a shutdown signal; returns the process's exit code.
int run(const OrdersConfig& cfg);

}  // namespace schemashift::orders
