-- Scenario 05, the naive deploy of the new build: customers.given_name straight to `new` on every
-- instance at once, the way a config push or a rollout of the new image does it.
-- Run against the customers database: psql "$PG_CUSTOMERS_DSN" -f naive-flags.sql
--
-- What it does: after naive.sql, customers reads and writes only given_name. Between the two
-- files every customers request fails (the old mode names first_name); no instance waits
-- for the others, and nothing can go back: `old` needs first_name, which is gone.
INSERT INTO schemashift.flags (key, value, generation) VALUES ('customers.given_name', 'new', 1)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value,
    generation = schemashift.flags.generation + 1, updated_at = now();
NOTIFY schemashift_flags;
