// fulfillment-service: turns OrderCreated events into shipments.
#include <CLI/CLI.hpp>

#include "fulfillment_service.h"

int main(int argc, char** argv) {
  schemashift::fulfillment::FulfillmentConfig cfg;
  cfg.common.service = "fulfillment";
  CLI::App app{"fulfillment-service: consumes OrderCreated and creates one shipment per order"};
  schemashift::svc::add_common_options(app, cfg.common);
  app.add_option("--orders-topic", cfg.topic, "Topic OrderCreated is consumed from")
      ->envname("ORDERS_TOPIC")
      ->capture_default_str();
  app.add_option("--customers-url", cfg.customers_url,
                 "Base URL of the customers service, e.g. http://customers:8080")
      ->envname("CUSTOMERS_URL")
      ->required();
  app.add_option("--consumer-group", cfg.consumer_group, "Kafka consumer group")
      ->envname("CONSUMER_GROUP")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return schemashift::fulfillment::run(cfg);
}
