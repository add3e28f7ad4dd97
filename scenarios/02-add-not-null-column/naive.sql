-- Scenario 2, the naive change: customers.preferred_language NOT NULL added and filled in
-- one transaction, the way an ORM migration writes it.
-- Run against the customers database: psql "$PG_CUSTOMERS_DSN" -f naive.sql
--
-- What it does: ADD COLUMN ... NOT NULL DEFAULT 'en' is quick by itself (a constant default
-- lives in the catalog), but it takes ACCESS EXCLUSIVE on customers, with no lock_timeout, and
-- the transaction keeps that lock while the UPDATE rewrites every customer row. For the
-- whole UPDATE no one can read or write customers: every /v1 and /v2 customers request, and
-- fulfillment's address lookups, wait and time out. The UPDATE writes every row once more in
-- WAL in one go, so the replica lags, and a failure anywhere rolls all of it back.
BEGIN;
ALTER TABLE customers ADD COLUMN preferred_language text NOT NULL DEFAULT 'en';
UPDATE customers SET preferred_language = CASE upper(country)
  WHEN 'AT' THEN 'de' WHEN 'BE' THEN 'nl' WHEN 'BR' THEN 'pt' WHEN 'CH' THEN 'de'
  WHEN 'CZ' THEN 'cs' WHEN 'DE' THEN 'de' WHEN 'DK' THEN 'da' WHEN 'ES' THEN 'es'
  WHEN 'FI' THEN 'fi' WHEN 'FR' THEN 'fr' WHEN 'GR' THEN 'el' WHEN 'HU' THEN 'hu'
  WHEN 'IT' THEN 'it' WHEN 'JP' THEN 'ja' WHEN 'MX' THEN 'es' WHEN 'NL' THEN 'nl'
  WHEN 'NO' THEN 'nb' WHEN 'PL' THEN 'pl' WHEN 'PT' THEN 'pt' WHEN 'RO' THEN 'ro'
  WHEN 'SE' THEN 'sv' WHEN 'TR' THEN 'tr' ELSE 'en' END;
COMMIT;
