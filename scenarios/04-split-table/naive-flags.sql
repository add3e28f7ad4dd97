-- Scenario 04, the naive deploy of the new build: customers.addresses straight to `new` on every
-- instance at once, the way a config push or a rollout of the new image does it.
-- Run against the customers database: psql "$PG_CUSTOMERS_DSN" -f naive-flags.sql
--
-- What it does: after naive.sql, customers reads and writes only addresses. Between the two
-- files every customers request fails (the old mode names the dropped columns); the writes
-- that landed in customers' columns after the copy are gone, so those customers read an
-- empty or stale address from now on.
INSERT INTO schemashift.flags (key, value, generation) VALUES ('customers.addresses', 'new', 1)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value,
    generation = schemashift.flags.generation + 1, updated_at = now();
NOTIFY schemashift_flags;
