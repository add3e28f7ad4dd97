#include "config.h"

#include <unistd.h>

#include <array>

namespace schemashift::svc {

namespace {
// A duration option in milliseconds, kept as a number on the command line and in the env.
void add_millis(CLI::App& app, const std::string& flag, const std::string& env,
                std::chrono::milliseconds& target, const std::string& what) {
  app.add_option_function<long long>(
         flag, [&target](long long ms) { target = std::chrono::milliseconds(ms); }, what)
      ->envname(env)
      ->default_str(std::to_string(target.count()))
      ->check(CLI::NonNegativeNumber);
}
}  // namespace

std::string host_name() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf.data();
}

void add_common_options(CLI::App& app, ServiceConfig& cfg) {
  if (cfg.instance.empty()) cfg.instance = host_name();
  app.add_option("--instance", cfg.instance, "instance name in flag acknowledgements and logs")
      ->envname("POD_NAME")
      ->capture_default_str();
  app.add_option("--listen-host", cfg.listen_host, "address the HTTP listeners bind")
      ->envname("LISTEN_HOST")
      ->capture_default_str();
  app.add_option("--http-port", cfg.http_port, "API port (0: any free port)")
      ->envname("HTTP_PORT")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--metrics-port", cfg.metrics_port, "Prometheus metrics port (0: any free port)")
      ->envname("METRICS_PORT")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--http-threads", cfg.http_threads, "request worker threads")
      ->envname("HTTP_THREADS")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--http-queue", cfg.http_queue,
                 "connections waiting for a worker before new ones get 503")
      ->envname("HTTP_QUEUE")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--max-body-bytes", cfg.max_body_bytes, "largest request body (413 beyond)")
      ->envname("MAX_BODY_BYTES")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--database-dsn", cfg.database_dsn, "PostgreSQL connection string")
      ->envname("DATABASE_DSN")
      ->required();
  app.add_option("--db-pool-size", cfg.db_pool_size, "PostgreSQL connections at most")
      ->envname("DB_POOL_SIZE")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  add_millis(app, "--db-acquire-timeout-ms", "DB_ACQUIRE_TIMEOUT_MS", cfg.db_acquire_timeout,
             "wait for a pooled connection at most this long (then 503)");
  add_millis(app, "--db-statement-timeout-ms", "DB_STATEMENT_TIMEOUT_MS", cfg.db_statement_timeout,
             "statement_timeout of every connection");
  app.add_option("--kafka-bootstrap", cfg.kafka_bootstrap, "Kafka bootstrap servers")
      ->envname("KAFKA_BOOTSTRAP");
  app.add_option("--schema-registry-url", cfg.registry_url,
                 "Confluent-compatible schema registry (…/apis/ccompat/v7)")
      ->envname("SCHEMA_REGISTRY_URL");
  add_millis(app, "--flag-poll-ms", "FLAG_POLL_MS", cfg.flag_poll,
             "re-read the flags this often even without NOTIFY");
  add_millis(app, "--shutdown-grace-ms", "SHUTDOWN_GRACE_MS", cfg.shutdown_grace,
             "the whole shutdown sequence ends within this (below the pod's grace period)");
  add_millis(app, "--drain-delay-ms", "DRAIN_DELAY_MS", cfg.drain_delay,
             "after SIGTERM, answer /readyz 503 this long before closing the listener");
  app.add_option("--log-level", cfg.log_level, "trace, debug, info, warn, error")
      ->envname("LOG_LEVEL")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
}

}  // namespace schemashift::svc
