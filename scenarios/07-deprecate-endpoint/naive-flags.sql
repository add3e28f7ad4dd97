-- Scenario 07, the naive deploy of the new build: customers.v1_lifecycle straight to `new` on every
-- instance at once, the way a config push or a rollout of the new image does it.
-- Run against the customers database: psql "$PG_CUSTOMERS_DSN" -f naive-flags.sql
--
-- What it does: /v1 is deleted while clients still call it. From the next flag poll every
-- /v1/customers request answers 410 Gone: every v1 client (and fulfillment, if it still
-- reads /v1) fails at once, without a Deprecation or Sunset header ever having warned it,
-- and with no count of who was still calling.
INSERT INTO schemashift.flags (key, value, generation) VALUES ('customers.v1_lifecycle', 'new', 1)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value,
    generation = schemashift.flags.generation + 1, updated_at = now();
NOTIFY schemashift_flags;
