-- Scenario 08, the naive deploy of the new build: orders.event_version straight to `new` on every
-- instance at once, the way a config push or a rollout of the new image does it.
-- Run against the orders database: psql "$PG_ORDERS_DSN" -f naive-flags.sql
--
-- What it does: the producer switches to the new payload (OrderCreated v3: total_cents and
-- currency, no `total`) in place, with fulfillment still on `old`, which reads `total`.
-- On a subject without a compatibility rule (the registry's default) orders registers v3
-- itself and publishes it; nothing checks v3 against v1 and v2. Every v3 event fulfillment
-- receives fails to decode (field "total" missing) and is dead-lettered to
-- orders.order-created.dlq: orders are acknowledged to clients, and never shipped.
INSERT INTO schemashift.flags (key, value, generation) VALUES ('orders.event_version', 'new', 1)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value,
    generation = schemashift.flags.generation + 1, updated_at = now();
NOTIFY schemashift_flags;
