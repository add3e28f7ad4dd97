-- Scenario 3, the naive change: orders.amount_cents int turned into orders.amount
-- numeric(12,2) in place, then the new build of orders deployed (naive-flags.sql).
-- Run against the orders database: psql "$PG_ORDERS_DSN" -f naive.sql
--
-- What it does: ALTER COLUMN ... TYPE ... USING rewrites the whole orders table (and its
-- indexes) under ACCESS EXCLUSIVE, with no lock_timeout: every orders request waits for the
-- whole rewrite. Then the RENAME: from that commit on, every running orders instance's SQL
-- names a column that no longer exists (42703 undefined_column): INSERT ... amount_cents and
-- SELECT ... amount_cents fail, so every POST and GET /v1 and /v2/orders answers 500 until
-- naive-flags.sql switches the instances to the new build's mode, and on any instance that
-- has not switched yet after that.
BEGIN;
ALTER TABLE orders ALTER COLUMN amount_cents TYPE numeric(12,2) USING amount_cents::numeric / 100;
ALTER TABLE orders RENAME COLUMN amount_cents TO amount;
COMMIT;
