-- Scenario 03, the naive deploy of the new build: orders.amount straight to `new` on every
-- instance at once, the way a config push or a rollout of the new image does it.
-- Run against the orders database: psql "$PG_ORDERS_DSN" -f naive-flags.sql
--
-- What it does: after naive.sql, orders reads and writes only amount. Between the two files
-- every orders request fails (the old mode names amount_cents); the instances switch within
-- a flag poll of each other, with nothing waiting for all of them to have switched.
INSERT INTO schemashift.flags (key, value, generation) VALUES ('orders.amount', 'new', 1)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value,
    generation = schemashift.flags.generation + 1, updated_at = now();
NOTIFY schemashift_flags;
