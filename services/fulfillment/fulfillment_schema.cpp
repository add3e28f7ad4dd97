#include "fulfillment_schema.h"

#include "processed_events.h"

namespace schemashift::fulfillment {

std::vector<std::string> baseline_statements() {
  return {
      "CREATE TABLE IF NOT EXISTS shipments (id bigserial PRIMARY KEY, "
      "order_id bigint NOT NULL UNIQUE, customer_id bigint NOT NULL, ship_to jsonb, "
      "total_cents bigint NOT NULL, status text NOT NULL, event_id text NOT NULL, "
      "created_at timestamptz NOT NULL DEFAULT now())",
      svc::kProcessedEventsDdl,
  };
}

}  // namespace schemashift::fulfillment
