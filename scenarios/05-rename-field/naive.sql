-- Scenario 5, the naive change: first_name renamed to given_name in place, then the new build
-- of customers deployed (naive-flags.sql).
-- Run against the customers database: psql "$PG_CUSTOMERS_DSN" -f naive.sql
--
-- What it does: RENAME COLUMN is a catalog change that takes an instant, and that is the
-- trap: from its commit on, every running customers instance's SQL names first_name, which
-- no longer exists (42703 undefined_column). Every GET, POST and PUT of /v1 and /v2/customers
-- answers 500, and fulfillment's address lookups fail with them, until naive-flags.sql
-- switches every instance to given_name; a pod that has not switched keeps failing.
ALTER TABLE customers RENAME COLUMN first_name TO given_name;
