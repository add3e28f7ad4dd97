// Shipments, one per order: created from an OrderCreated event in the same transaction that
// records the event id in processed_events, so a redelivered event (or a second event for an
// order that already ships) changes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "event_schemas.h"
#include "pg_pool.h"

namespace schemashift::fulfillment {

struct Shipment {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::int64_t customer_id = 0;
  nlohmann::json ship_to;  // null when the customer is unknown (status "on_hold")
  std::int64_t total_cents = 0;
  std::string status;
  std::string event_id;
};

enum class Recorded { kCreated, kDuplicateEvent, kOrderAlreadyShips };

class ShipmentStore {
 public:
  explicit ShipmentStore(svc::PgPool& pool);

  bool already_processed(const std::string& event_id);
  // `ship_to` null: the customer does not exist; the shipment waits ("on_hold").
  Recorded record(const svc::OrderCreated& event, const nlohmann::json& ship_to);
  std::optional<Shipment> by_order(std::int64_t order_id);

 private:
  svc::PgPool& pool_;
};

nlohmann::json shipment_json(const Shipment& s);

}  // namespace schemashift::fulfillment
