#include "shipment_store.h"

#include "processed_events.h"

namespace schemashift::fulfillment {

ShipmentStore::ShipmentStore(svc::PgPool& pool) : pool_(pool) {}

bool ShipmentStore::already_processed(const std::string& event_id) {
  return svc::with_transaction(pool_, [&](pqxx::work& tx) {
    return !tx.exec_params("SELECT 1 FROM processed_events WHERE event_id = $1", event_id).empty();
  });
}

Recorded ShipmentStore::record(const svc::OrderCreated& event, const nlohmann::json& ship_to) {
  return svc::with_transaction(pool_, [&](pqxx::work& tx) {
    if (!svc::first_delivery(tx, event.event_id)) return Recorded::kDuplicateEvent;
    const std::string status = ship_to.is_null() ? "on_hold" : "pending";
    const auto r = tx.exec_params(
        "INSERT INTO shipments (order_id, customer_id, ship_to, total_cents, status, event_id) "
        "VALUES ($1, $2, $3::jsonb, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING RETURNING id",
        event.order_id, event.customer_id, ship_to.is_null() ? "null" : ship_to.dump(),
        event.total_cents, status, event.event_id);
    return r.empty() ? Recorded::kOrderAlreadyShips : Recorded::kCreated;
  });
}

std::optional<Shipment> ShipmentStore::by_order(std::int64_t order_id) {
  return svc::with_transaction(pool_, [&](pqxx::work& tx) -> std::optional<Shipment> {
    const auto r = tx.exec_params(
        "SELECT id, order_id, customer_id, ship_to::text, total_cents, status, event_id "
        "FROM shipments WHERE order_id = $1",
        order_id);
    if (r.empty()) return std::nullopt;
    Shipment s;
    s.id = r[0][0].as<std::int64_t>();
    s.order_id = r[0][1].as<std::int64_t>();
    s.customer_id = r[0][2].as<std::int64_t>();
    s.ship_to = r[0][3].is_null() ? nlohmann::json() : nlohmann::json::parse(r[0][3].c_str());
    s.total_cents = r[0][4].as<std::int64_t>();
    s.status = r[0][5].as<std::string>();
    s.event_id = r[0][6].as<std::string>();
    return s;
  });
}

nlohmann::json shipment_json(const Shipment& s) {
  return {{"id", s.id},
          {"order_id", s.order_id},
          {"customer_id", s.customer_id},
          {"ship_to", s.ship_to},
          {"total_cents", s.total_cents},
          {"status", s.status},
          {"event_id", s.event_id}};
}

}  // namespace schemashift::fulfillment
