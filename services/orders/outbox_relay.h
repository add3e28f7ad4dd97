// The outbox relay: publishes the outbox's OrderCreated rows to Kafka and marks a row sent
// only once the broker acknowledged it. Rows are claimed with FOR UPDATE SKIP LOCKED inside
// the transaction that marks them, so two replicas never publish the same row at once, and a
// crash anywhere before that commit leaves the row to be published again (at-least-once;
// the event id is the row's id, so consumers de-duplicate). When Kafka or the registry is
// down the outbox simply grows — orders_outbox_pending shows how much waits — and drains
// when they return.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "kafka_producer.h"
#include "pg_pool.h"
#include "registered_schemas.h"

namespace prometheus {
class Registry;
class Gauge;
}  // namespace prometheus

namespace schemashift::orders {

struct RelayOptions {
  int batch = 200;
  std::chrono::milliseconds idle_poll{200};  // how often an empty outbox is looked at
  std::chrono::milliseconds ack_timeout{20000};
  std::chrono::milliseconds gauge_refresh{1000};
};

class OutboxRelay {
 public:
  OutboxRelay(svc::PgPool& pool, svc::KafkaProducer& producer, svc::RegisteredSchemas& schemas,
              prometheus::Registry& metrics, RelayOptions opts = {});
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  void start();
  void stop();  // finishes the batch in hand

  // One batch: claims, publishes, marks what was acknowledged. Returns rows marked sent;
  // throws what the database throws.
  int relay_once();

 private:
  void loop();
  void update_pending();

  svc::PgPool& pool_;
  svc::KafkaProducer& producer_;
  svc::RegisteredSchemas& schemas_;
  RelayOptions opts_;
  prometheus::Gauge* pending_ = nullptr;
  prometheus::Counter* published_ = nullptr;
  prometheus::Counter* failed_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::thread gauge_thread_;  // the gauge is refreshed even while a batch waits for the broker
};

}  // namespace schemashift::orders
