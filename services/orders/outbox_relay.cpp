#include "outbox_relay.h"

#include <future>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "log.h"
#include "retry.h"
#include "wire_format.h"

namespace schemashift::orders {

OutboxRelay::OutboxRelay(svc::PgPool& pool, svc::KafkaProducer& producer,
                         svc::RegisteredSchemas& schemas, prometheus::Registry& metrics,
                         RelayOptions opts)
    : pool_(pool), producer_(producer), schemas_(schemas), opts_(opts) {
  pending_ = &prometheus::BuildGauge()
                  .Name("orders_outbox_pending")
                  .Help("Outbox rows not yet acknowledged by the broker")
                  .Register(metrics)
                  .Add({});
  auto& relayed = prometheus::BuildCounter()
                      .Name("orders_outbox_relayed_total")
                      .Help("Outbox rows the relay published, by result")
                      .Register(metrics);
  published_ = &relayed.Add({{"result", "sent"}});
  failed_ = &relayed.Add({{"result", "failed"}});
}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
  thread_ = std::thread([this] { loop(); });
  gauge_thread_ = std::thread([this] {
    while (!stopping_) {
      try {
        update_pending();
      } catch (const std::exception&) {
        // The database is down: the gauge keeps its last value.
      }
      svc::sleep_unless(opts_.gauge_refresh, [this] { return stopping_.load(); });
    }
  });
}

void OutboxRelay::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (gauge_thread_.joinable()) gauge_thread_.join();
}

void OutboxRelay::update_pending() {
  const auto n = svc::with_transaction(pool_, [](pqxx::work& tx) {
    return tx.exec1("SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0].as<std::int64_t>();
  });
  pending_->Set(static_cast<double>(n));
}

int OutboxRelay::relay_once() {
  struct InFlight {
    std::string id;
    std::future<svc::DeliveryResult> delivery;
  };
  return svc::with_transaction(pool_, [&](pqxx::work& tx) {
    auto rows = tx.exec_params(
        "SELECT id::text, topic, event_key, event_version, payload::text FROM outbox "
        "WHERE sent_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        opts_.batch);
    std::vector<InFlight> in_flight;
    std::string registry_error;
    for (const auto& row : rows) {
      const int version = row[3].as<int>();
      auto schema_id = schemas_.id_of(version);
      if (!schema_id) {
        registry_error = schema_id.error().message;
        break;  // the rest wait for the registry
      }
      nlohmann::json payload = nlohmann::json::parse(row[4].as<std::string>());
      payload["event_id"] = row[0].as<std::string>();
      svc::OutgoingMessage msg;
      msg.topic = row[1].as<std::string>();
      msg.key = row[2].as<std::string>();
      msg.value = svc::frame(*schema_id, payload.dump());
      msg.headers = {{"event_id", row[0].as<std::string>()},
                     {"event_type", "OrderCreated"},
                     {"event_version", std::to_string(version)}};
      in_flight.push_back({row[0].as<std::string>(), producer_.produce(msg)});
    }
    std::string acked;  // a uuid[] literal
    int sent = 0;
    std::string delivery_error;
    for (auto& f : in_flight) {
      if (f.delivery.wait_for(opts_.ack_timeout) != std::future_status::ready) {
        delivery_error = "no acknowledgement in time";
        continue;
      }
      const svc::DeliveryResult r = f.delivery.get();
      if (!r.delivered) {
        delivery_error = r.error;
        continue;
      }
      acked += (acked.empty() ? "" : ",") + f.id;
      ++sent;
    }
    if (sent > 0) {
      tx.exec_params("UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::uuid[])",
                     "{" + acked + "}");
    }
    published_->Increment(sent);
    const auto failed = static_cast<int>(in_flight.size()) - sent;
    if (failed > 0) failed_->Increment(failed);
    if (!delivery_error.empty() || !registry_error.empty()) {
      svc::log_warn("outbox rows wait", {{"unsent", rows.size() - static_cast<std::size_t>(sent)},
                                         {"kafka", delivery_error},
                                         {"registry", registry_error}});
    }
    if (rows.size() > 0 && sent == 0) throw std::runtime_error("outbox batch not published");
    return sent;
  });
}

void OutboxRelay::loop() {
  svc::Backoff backoff({std::chrono::milliseconds(200), std::chrono::milliseconds(5000), 2.0, 0.5});
  const auto stopping = [this] { return stopping_.load(); };
  auto next_cleanup = std::chrono::steady_clock::now();
  while (!stopping_) {
    std::chrono::milliseconds wait = opts_.idle_poll;
    try {
      const int sent = relay_once();
      backoff.reset();
      if (sent >= opts_.batch) wait = std::chrono::milliseconds(0);
      if (sent > 0) update_pending();
      if (std::chrono::steady_clock::now() >= next_cleanup) {
        next_cleanup = std::chrono::steady_clock::now() + std::chrono::minutes(1);
        svc::with_transaction(pool_, [](pqxx::work& tx) {
          tx.exec0("DELETE FROM outbox WHERE sent_at < now() - interval '1 day'");
        });
      }
    } catch (const std::exception& e) {
      wait = backoff.next_delay();
      if (std::string(e.what()) != "outbox batch not published")
        svc::log_warn("outbox relay", {{"error", e.what()}, {"retry_ms", wait.count()}});
    }
    if (wait.count() > 0) svc::sleep_unless(wait, stopping);
  }
}

}  // namespace schemashift::orders
