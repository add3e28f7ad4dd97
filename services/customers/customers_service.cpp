#include "customers_service.h"

#include <CLI/CLI.hpp>

#include "baseline_schema.h"
#include "common/redact.h"
#include "config.h"
#include "customer_routes.h"
#include "customer_schema.h"
#include "customer_store.h"
#include "flag_modes.h"
#include "health.h"
#include "http_server.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "pg_pool.h"
#include "v1_lifecycle.h"
#include "v2_fault.h"

namespace schemashift::customers {

int run(int argc, char** argv) {
  svc::ServiceConfig cfg;
  cfg.service = "customers";
  V1Retirement retirement;
  CLI::App app{
      "customers-service: the customers REST API (/v1 flat, /v2 nested) over the "
      "customers database, switched between table layouts by the operator's flags"};
  svc::add_common_options(app, cfg);
  app.add_option("--v1-deprecated-at", retirement.deprecated_at,
                 "when /v1 was deprecated, Unix seconds (the Deprecation header)")
      ->envname("V1_DEPRECATED_AT")
      ->capture_default_str();
  app.add_option("--v1-sunset-at", retirement.sunset_at,
                 "when /v1 goes away, Unix seconds (the Sunset header)")
      ->envname("V1_SUNSET_AT")
      ->capture_default_str();
  std::string fault_v2_ids;
  app.add_option("--fault-v2-customer-ids", fault_v2_ids,
                 "test-only fault injection: GET /v2/customers/{id} of these ids (comma "
                 "separated) answers 500")
      ->envname("FAULT_V2_CUSTOMER_IDS");
  CLI11_PARSE(app, argc, argv);

  svc::init_logging(cfg);
  svc::log_info("starting", {{"database", redact_credentials(cfg.database_dsn)},
                             {"http_port", cfg.http_port},
                             {"metrics_port", cfg.metrics_port}});
  try {
    const auto failing_v2_ids = parse_fault_ids(fault_v2_ids);
    if (!failing_v2_ids.empty())
      svc::log_warn("fault injection on: /v2 reads of these customers answer 500",
                    {{"FAULT_V2_CUSTOMER_IDS", fault_v2_ids}});
    svc::PgPool pool(cfg.database_dsn, cfg.db_pool_size, cfg.db_acquire_timeout,
                     cfg.db_statement_timeout);
    svc::apply_baseline(pool, cfg.service, baseline_statements());

    svc::Lifecycle lifecycle(cfg);  // from here on SIGTERM is the lifecycle's (before threads)
    svc::Flags flags;
    know_customer_flags(flags, pool);
    svc::Metrics metrics;
    svc::HttpServer server(cfg, metrics);
    CustomerStore store(pool, flags);
    svc::add_health_routes(server, pool, flags, lifecycle);
    add_customer_routes(server, store, flags, retirement, failing_v2_ids);

    auto agent = svc::make_flag_agent(cfg, flags);
    agent->start();
    server.start();
    lifecycle.drain(server);
    lifecycle.on_shutdown("flag agent", [&agent] { agent->stop(); });
    lifecycle.set_ready(true);
    lifecycle.run_until_signal();
    return 0;
  } catch (const std::exception& e) {
    svc::log_error("fatal", {{"error", redact_credentials(e.what())}});
    return 1;
  }
}

}  // namespace schemashift::customers
