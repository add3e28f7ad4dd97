// What fulfillment does with one message of the OrderCreated topic:
//   framing, schema (by id, from the registry) and payload checked: anything that can never be
//   read is dead-lettered with the reason; a registry that does not answer means retry;
//   then the customer's address (retry while customers is down) and the shipment, created
//   exactly once per event and once per order.
#pragma once

#include <atomic>

#include "customers_client.h"
#include "events/schema_registry.h"
#include "flag_modes.h"
#include "kafka_consumer.h"
#include "shipment_store.h"

namespace prometheus {
class Registry;
class Counter;
}  // namespace prometheus

namespace schemashift::fulfillment {

class OrderEventsHandler {
 public:
  OrderEventsHandler(events::SchemaRegistry& registry, CustomersClient& customers,
                     ShipmentStore& shipments, const svc::Flags& flags,
                     prometheus::Registry& metrics);

  svc::Outcome operator()(const svc::ConsumedMessage& msg);

 private:
  events::SchemaRegistry& registry_;
  CustomersClient& customers_;
  ShipmentStore& shipments_;
  const svc::Flags& flags_;
  prometheus::Counter* created_ = nullptr;
  prometheus::Counter* duplicates_ = nullptr;
};

}  // namespace schemashift::fulfillment
