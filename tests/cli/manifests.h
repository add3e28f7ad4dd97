// The manifests the CLI's tests run: a backfill migration over a table `orders`
// (id bigserial, amount_cents int), as a whole SchemaMigration.
#pragma once

#include <string>

namespace schemashift::testing {

// `backfill_extra`: more fields of spec.backfill ("maxBatch: 500, dutyCycle: 0.3").
inline std::string amount_migration(const std::string& name,
                                    const std::string& backfill_extra = "") {
  return "apiVersion: schemashift.io/v1alpha1\n"
         "kind: SchemaMigration\n"
         "metadata: {name: " +
         name +
         ", namespace: ci}\n"
         "spec:\n"
         "  expand: {sql: [\"ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount numeric(12,2)\"]}\n"
         "  backfill: {table: orders, keyColumn: id, set: \"amount = amount_cents / 100.0\", "
         "pendingWhere: \"amount IS NULL\"" +
         (backfill_extra.empty() ? "" : ", " + backfill_extra) +
         "}\n"
         "  verify:\n"
         "    checks: [{name: amounts-match, sql: \"SELECT count(*) FROM orders WHERE amount * 100 "
         "IS DISTINCT FROM amount_cents\", expect: \"0\"}]\n"
         "  contract: {sql: [\"ALTER TABLE orders DROP COLUMN amount_cents\"], approval: Manual}\n"
         "  rollback: {sql: [\"ALTER TABLE orders DROP COLUMN IF EXISTS amount\"]}\n";
}

}  // namespace schemashift::testing
