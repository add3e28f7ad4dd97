#include "order_events_handler.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "log.h"
#include "wire_format.h"

namespace schemashift::fulfillment {

OrderEventsHandler::OrderEventsHandler(events::SchemaRegistry& registry, CustomersClient& customers,
                                       ShipmentStore& shipments, const svc::Flags& flags,
                                       prometheus::Registry& metrics)
    : registry_(registry), customers_(customers), shipments_(shipments), flags_(flags) {
  auto& events = prometheus::BuildCounter()
                     .Name("fulfillment_order_events_total")
                     .Help("OrderCreated events by effect: shipment created, or a duplicate")
                     .Register(metrics);
  created_ = &events.Add({{"effect", "shipment_created"}});
  duplicates_ = &events.Add({{"effect", "duplicate"}});
}

svc::Outcome OrderEventsHandler::operator()(const svc::ConsumedMessage& msg) {
  auto framed = svc::unframe(msg.value);
  if (!framed) return svc::Outcome::dead_letter(framed.error().reason);
  auto schema = registry_.schema_by_id(framed->schema_id);
  if (!schema) {
    if (schema.error().kind == events::RegistryError::kUnavailable)
      return svc::Outcome::retry(schema.error().message);
    return svc::Outcome::dead_letter(schema.error().kind == events::RegistryError::kUnknownId
                                         ? "unknown schema id " + std::to_string(framed->schema_id)
                                         : schema.error().message);
  }
  auto event = svc::decode_order_created(*schema, framed->payload,
                                         total_source_for(flags_.mode(kOrderEventsFlag)));
  if (!event) return svc::Outcome::dead_letter(event.error());

  if (shipments_.already_processed(event->event_id)) {
    duplicates_->Increment();
    return svc::Outcome::done();
  }
  auto ship_to =
      customers_.ship_to(event->customer_id, customers_api_for(flags_.mode(kCustomersApiFlag)));
  nlohmann::json address;  // null: on hold
  if (ship_to) {
    address = ship_to->to_json();
  } else if (ship_to.error().kind == LookupError::kUnavailable) {
    return svc::Outcome::retry(ship_to.error().message);
  } else {
    svc::log_warn("shipment on hold: customer unknown",
                  {{"order_id", event->order_id}, {"customer_id", event->customer_id}});
  }
  switch (shipments_.record(*event, address)) {
    case Recorded::kCreated:
      created_->Increment();
      break;
    case Recorded::kDuplicateEvent:
    case Recorded::kOrderAlreadyShips:
      duplicates_->Increment();
      break;
  }
  return svc::Outcome::done();
}

}  // namespace schemashift::fulfillment
