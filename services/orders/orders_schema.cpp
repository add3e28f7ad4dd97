#include "orders_schema.h"

namespace schemashift::orders {

std::vector<std::string> baseline_statements() {
  return {
      "CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, "
      "status text NOT NULL DEFAULT 'created', amount_cents int, "
      "created_at timestamptz NOT NULL DEFAULT now())",
      // One row per event to publish; its id is the event's id (consumers de-duplicate by it).
      // The payload is the event without event_id, which the relay adds from the row.
      "CREATE TABLE IF NOT EXISTS outbox (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
      "topic text NOT NULL, event_key text NOT NULL, event_version int NOT NULL, "
      "payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp(), "
      "sent_at timestamptz)",
      "CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL",
  };
}

}  // namespace schemashift::orders
