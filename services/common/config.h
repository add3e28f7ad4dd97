// ServiceConfig: every setting a service instance runs with, from command-line options or the
// environment variable beside each (the charts set the environment). The service adds its own
// options to the same CLI::App before parsing.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

namespace schemashift::svc {

struct ServiceConfig {
  std::string service;                   // "orders" (fixed by the main)
  std::string instance;                  // --instance / POD_NAME; default: hostname
  std::string listen_host = "0.0.0.0";   // --listen-host / LISTEN_HOST
  int http_port = 8080;                  // --http-port / HTTP_PORT (0: ephemeral, for tests)
  int metrics_port = 9090;               // --metrics-port / METRICS_PORT
  int http_threads = 16;                 // --http-threads / HTTP_THREADS   (bounded pool)
  int http_queue = 256;                  // --http-queue / HTTP_QUEUE  (waiting beyond: 503)
  std::size_t max_body_bytes = 1 << 20;  // --max-body-bytes / MAX_BODY_BYTES  (413 beyond)
  std::string database_dsn;              // --database-dsn / DATABASE_DSN   (required)
  int db_pool_size = 8;                  // --db-pool-size / DB_POOL_SIZE
  std::chrono::milliseconds db_acquire_timeout{2000};    // DB_ACQUIRE_TIMEOUT_MS
  std::chrono::milliseconds db_statement_timeout{5000};  // DB_STATEMENT_TIMEOUT_MS
  std::string kafka_bootstrap;  // --kafka-bootstrap / KAFKA_BOOTSTRAP   (orders, fulfillment)
  std::string registry_url;     // --schema-registry-url / SCHEMA_REGISTRY_URL (…/apis/ccompat/v7)
  std::chrono::milliseconds flag_poll{1000};        // FLAG_POLL_MS
  std::chrono::milliseconds shutdown_grace{20000};  // SHUTDOWN_GRACE_MS (< pod grace period)
  std::string log_level = "info";                   // LOG_LEVEL
  std::chrono::milliseconds drain_delay{2000};      // DRAIN_DELAY_MS (endpoints update first)
};

// Adds the common options to `app`; the service adds its own before parse. The instance
// defaults to the host name.
void add_common_options(CLI::App& app, ServiceConfig& cfg);

// This machine's host name ("unknown" if it has none).
std::string host_name();

}  // namespace schemashift::svc
