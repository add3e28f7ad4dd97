#include "orders_service.h"

#include <prometheus/gauge.h>

#include "baseline_schema.h"
#include "event_schemas.h"
#include "events/schema_registry.h"
#include "health.h"
#include "http_server.h"
#include "kafka_producer.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "order_modes.h"
#include "order_store.h"
#include "orders_api.h"
#include "orders_schema.h"
#include "outbox_relay.h"
#include "pg_pool.h"
#include "registered_schemas.h"

namespace schemashift::orders {

int run(const OrdersConfig& cfg) {
  const svc::ServiceConfig& common = cfg.common;
  svc::Lifecycle lifecycle(common);  // first: it blocks the shutdown signals for every thread
  svc::init_logging(common);
  svc::Metrics metrics;
  svc::PgPool pool(common.database_dsn, common.db_pool_size, common.db_acquire_timeout,
                   common.db_statement_timeout);
  svc::apply_baseline(pool, common.service, baseline_statements());

  events::SchemaRegistry registry(common.registry_url);
  std::map<int, nlohmann::json> versions;
  for (int v = 1; v <= svc::kOrderCreatedVersions; ++v) versions[v] = svc::order_created_schema(v);
  svc::RegisteredSchemas schemas(registry, svc::value_subject(cfg.topic), versions);

  svc::Flags flags;
  know_order_flags(flags, pool, schemas);

  svc::ProducerOptions producer_opts;
  producer_opts.bootstrap = common.kafka_bootstrap;
  producer_opts.client_id = common.service + "-" + common.instance;
  svc::KafkaProducer producer(producer_opts, &metrics.registry());
  OutboxRelay relay(pool, producer, schemas, metrics.registry());
  OrderStore store(pool, cfg.topic);

  svc::HttpServer server(common, metrics);
  add_order_routes(server, store, flags);
  svc::add_health_routes(server, pool, flags, lifecycle);

  auto agent = svc::make_flag_agent(common, flags);
  agent->start();
  server.start();
  relay.start();
  lifecycle.drain(server);
  lifecycle.on_shutdown("outbox relay", [&] { relay.stop(); });
  lifecycle.on_shutdown("producer", [&] { producer.flush(std::chrono::milliseconds(5000)); });
  lifecycle.on_shutdown("flag agent", [&] { agent->stop(); });
  lifecycle.set_ready(true);
  svc::log_info("orders serving", {{"http_port", server.port()},
                                   {"metrics_port", server.metrics_port()},
                                   {"topic", cfg.topic}});
  lifecycle.run_until_signal();
  return 0;
}

}  // namespace schemashift::orders
