#include "fulfillment_service.h"

#include "baseline_schema.h"
#include "customers_client.h"
#include "dead_letter.h"
#include "events/schema_registry.h"
#include "fulfillment_modes.h"
#include "fulfillment_schema.h"
#include "health.h"
#include "http_server.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "order_events_handler.h"
#include "pg_pool.h"
#include "shipment_store.h"
#include "shipments_api.h"

namespace schemashift::fulfillment {

int run(const FulfillmentConfig& cfg) {
  const svc::ServiceConfig& common = cfg.common;
  svc::Lifecycle lifecycle(common);  // first: it blocks the shutdown signals for every thread
  svc::init_logging(common);
  svc::Metrics metrics;
  svc::PgPool pool(common.database_dsn, common.db_pool_size, common.db_acquire_timeout,
                   common.db_statement_timeout);
  svc::apply_baseline(pool, common.service, baseline_statements());

  svc::Flags flags;
  know_fulfillment_flags(flags);
  events::SchemaRegistry registry(common.registry_url);
  CustomersClient customers(cfg.customers_url);
  customers.count_calls_in(metrics.registry());
  ShipmentStore shipments(pool);

  svc::ProducerOptions producer_opts;
  producer_opts.bootstrap = common.kafka_bootstrap;
  producer_opts.client_id = common.service + "-" + common.instance + "-dlq";
  svc::KafkaProducer producer(producer_opts, &metrics.registry());
  svc::DeadLetter dead_letter(producer, common.service);
  svc::ConsumerOptions consumer_opts;
  consumer_opts.bootstrap = common.kafka_bootstrap;
  consumer_opts.group_id = cfg.consumer_group;
  consumer_opts.topics = {cfg.topic};
  consumer_opts.client_id = common.service + "-" + common.instance;
  svc::KafkaConsumer consumer(consumer_opts, dead_letter, &metrics.registry());
  OrderEventsHandler handler(registry, customers, shipments, flags, metrics.registry());

  svc::HttpServer server(common, metrics);
  add_shipment_routes(server, shipments);
  svc::add_health_routes(server, pool, flags, lifecycle);

  auto agent = svc::make_flag_agent(common, flags);
  agent->start();
  server.start();
  consumer.start([&handler](const svc::ConsumedMessage& m) { return handler(m); });
  lifecycle.drain(server);
  lifecycle.on_shutdown("consumer", [&] { consumer.stop(); });
  lifecycle.on_shutdown("producer", [&] { producer.flush(std::chrono::milliseconds(5000)); });
  lifecycle.on_shutdown("flag agent", [&] { agent->stop(); });
  lifecycle.set_ready(true);
  svc::log_info("fulfillment serving", {{"http_port", server.port()},
                                        {"metrics_port", server.metrics_port()},
                                        {"topic", cfg.topic},
                                        {"group", cfg.consumer_group}});
  lifecycle.run_until_signal();
  return 0;
}

}  // namespace schemashift::fulfillment
