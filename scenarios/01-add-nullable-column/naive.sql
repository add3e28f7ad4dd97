-- Scenario 1, the naive change: orders.metadata added in one statement from a deploy hook,
-- with a "helpful" default that stamps every existing order, and no lock_timeout.
-- Run against the orders database: psql "$PG_ORDERS_DSN" -f naive.sql
--
-- What it does: the DEFAULT calls clock_timestamp(), a volatile function, so PostgreSQL
-- cannot store it once in the catalog: it rewrites the whole orders table, every row, under
-- ACCESS EXCLUSIVE. Before that it waits for the lock behind any open transaction that read
-- orders (a report, a session idle in transaction), and while it waits every INSERT and
-- SELECT on orders queues behind it: POST and GET /v1 and /v2/orders hang, then time out or
-- answer 503 once the pool is exhausted. The rewrite also writes the table's size in WAL at
-- once, and the replica falls behind.
ALTER TABLE orders
  ADD COLUMN metadata jsonb DEFAULT jsonb_build_object('source', 'orders-service', 'added_at', clock_timestamp());
