// orders-service: the orders REST API (v1, v2) with its OrderCreated outbox relay.
#include <CLI/CLI.hpp>

#include "orders_service.h"

int main(int argc, char** argv) {
  schemashift::orders::OrdersConfig cfg;
  cfg.common.service = "orders";
  CLI::App app{"orders-service: the orders REST API (v1, v2) and its OrderCreated outbox relay"};
  schemashift::svc::add_common_options(app, cfg.common);
  app.add_option("--orders-topic", cfg.topic, "Topic OrderCreated is published to")
      ->envname("ORDERS_TOPIC")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return schemashift::orders::run(cfg);
}
