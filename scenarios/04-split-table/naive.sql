-- Scenario 4, the naive change: the address columns moved to addresses in one deploy:
-- create, copy, drop, then the new build (naive-flags.sql). Each statement commits on its
-- own, as most migration runners execute a file.
-- Run against the customers database: psql "$PG_CUSTOMERS_DSN" -f naive.sql
--
-- What it does: the INSERT ... SELECT copies the addresses as of its snapshot. A customer
-- created or moved after that snapshot by the running (old) instances is written only to
-- customers' columns, and the DROP throws that write away: the customer has no address row,
-- or a stale one (rows lost and wrong, with no error to anyone). From the DROP on, every old
-- instance's SELECT c.street ... fails (42703 undefined_column): every customers request and
-- fulfillment's address lookups answer 500 until naive-flags.sql switches the instances.
CREATE TABLE addresses (
  customer_id bigint PRIMARY KEY REFERENCES customers (id),
  street text, city text, postal_code text, country text);
INSERT INTO addresses (customer_id, street, city, postal_code, country)
  SELECT id, street, city, postal_code, country FROM customers;
ALTER TABLE customers DROP COLUMN street, DROP COLUMN city, DROP COLUMN postal_code,
  DROP COLUMN country;
