#include "migration/spec.h"

#include <gtest/gtest.h>

namespace {

using namespace schemashift::migration;
using nlohmann::json;

json manifest() {
  return json::parse(R"json({
    "apiVersion": "schemashift.io/v1alpha1", "kind": "SchemaMigration",
    "metadata": {"name": "m", "namespace": "shop", "generation": 4},
    "spec": {
      "database": {"secretRef": {"name": "orders-db"}, "lockTimeout": "150ms"},
      "targets": [{"service": "orders", "deployment": "orders-service", "flagKey": "orders.amount"}],
      "expand": {"sql": ["ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount numeric(12,2)"]},
      "backfill": {"table": "orders", "keyColumn": "id", "set": "amount = amount_cents / 100.0",
                   "targetBatchDuration": "250ms", "maxBatch": 20000},
      "verify": {"checks": [{"name": "match", "sql": "SELECT count(*) FROM orders WHERE amount*100 <> amount_cents"}],
                 "checksums": [{"name": "cents", "table": "orders", "keyColumn": "id", "old": "amount_cents", "new": "(amount*100)::int"}]},
      "contract": {"sql": ["ALTER TABLE orders DROP COLUMN amount_cents"], "approval": "Auto"},
      "rollback": {"sql": ["ALTER TABLE orders DROP COLUMN IF EXISTS amount"]}
    }})json");
}

std::vector<std::string> errors_of(const json& m) {
  auto r = parse_spec(m);
  std::vector<std::string> out;
  if (!r) {
    for (const auto& e : r.error()) out.push_back(e.describe());
  }
  return out;
}

TEST(Spec, ReadsAWholeManifest) {
  auto r = parse_spec(manifest());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->generation, 4);
  EXPECT_EQ(r->database->name, "orders-db");
  EXPECT_EQ(r->database->key, "dsn");
  EXPECT_EQ(r->lock_timeout, std::chrono::milliseconds(150));
  ASSERT_TRUE(r->backfill);
  EXPECT_EQ(r->backfill->target_batch_duration, std::chrono::milliseconds(250));
  EXPECT_EQ(r->backfill->max_batch, 20000);
  EXPECT_EQ(r->approval, Approval::kAuto);
  EXPECT_EQ(r->checks[0].expect, "0");
  ASSERT_EQ(r->checksums.size(), 1u);
  EXPECT_EQ(r->checksums[0].new_expr, "(amount*100)::int");
}

TEST(Spec, EveryProblemIsReportedWithItsFieldPath) {
  json m = manifest();
  m["spec"]["database"].erase("secretRef");
  m["spec"]["backfill"]["keyColumn"] = "Id; DROP TABLE x";
  m["spec"]["backfill"]["targetBatchDuration"] = "fast";
  m["spec"]["contract"]["approval"] = "Sometimes";
  m["spec"]["expand"]["sql"][0] = "   ";
  EXPECT_EQ(errors_of(m),
            (std::vector<std::string>{
                "spec.database.secretRef: is required: the Secret with the connection string",
                "spec.expand.sql[0]: must be a non-empty SQL statement",
                "spec.contract.approval: must be Manual or Auto, not \"Sometimes\"",
                "spec.backfill.keyColumn: must be one column name as SQL writes it "
                "(quote it with \"...\" if it is not plain)",
                "spec.backfill.targetBatchDuration: must be a duration such as "
                "100ms, 2s or 1m, not \"fast\"",
            }));
}

TEST(Spec, ExpandWithoutRollbackIsRefused) {
  json m = manifest();
  m["spec"].erase("rollback");
  EXPECT_EQ(errors_of(m),
            (std::vector<std::string>{"spec.rollback.sql: is required when expand.sql is given: "
                                      "rollback must undo the expansion"}));
}

TEST(Spec, ControlsComeFromSpecFieldsOrAnnotations) {
  json m = manifest();
  m["metadata"]["annotations"] = {{"schemashift.io/approve", "true"},
                                  {"schemashift.io/paused", "true"}};
  m["spec"]["abort"] = true;
  auto r = parse_spec(m);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->approve);
  EXPECT_TRUE(r->paused);
  EXPECT_TRUE(r->abort);
}

TEST(Spec, ThePlanHashChangesWithTheStepsOnly) {
  auto a = *parse_spec(manifest());
  json m = manifest();
  m["spec"]["paused"] = true;
  m["metadata"]["generation"] = 9;
  EXPECT_EQ(plan_hash(a), plan_hash(*parse_spec(m)));
  m["spec"]["backfill"]["set"] = "amount = amount_cents / 100";
  EXPECT_NE(plan_hash(a), plan_hash(*parse_spec(m)));
  EXPECT_EQ(plan_hash(a).size(), 16u);
}

TEST(Spec, NamesAreReadAsSqlWritesThem) {
  json m = manifest();
  m["spec"]["backfill"]["table"] = "\"Shop\".\"My Orders\"";
  m["spec"]["backfill"].erase("keyColumn");
  m["spec"]["backfill"]["keyColumns"] = {"\"Region\"", "order_no"};
  auto r = parse_spec(m);
  ASSERT_TRUE(r) << errors_of(m)[0];
  EXPECT_EQ(r->backfill->key_columns, (std::vector<std::string>{"Region", "order_no"}));
  EXPECT_EQ(r->checksums[0].key_columns, std::vector<std::string>{"id"});

  m["spec"]["backfill"]["table"] = std::string(64, 'a');
  m["spec"]["backfill"]["keyColumn"] = "id";
  m["spec"]["verify"]["checksums"][0]["table"] = std::string("a\0b", 3);
  EXPECT_EQ(errors_of(m), (std::vector<std::string>{
                              "spec.backfill.keyColumns: give keyColumn or keyColumns, not both",
                              "spec.backfill.table: has a name of 64 bytes; PostgreSQL names are "
                              "at most 63 bytes",
                              "spec.verify.checksums[0].table: holds a NUL byte",
                          }));
}

TEST(Spec, FragmentsThatWouldChangeTheirStatementAreRefusedByField) {
  json m = manifest();
  m["spec"]["backfill"]["set"] = "amount = amount_cents / 100.0 --";
  m["spec"]["backfill"]["pendingWhere"] = "amount IS NULL) OR (true";
  m["spec"]["verify"]["checksums"][0]["old"] = "pg_read_file('/etc/passwd')";
  m["spec"]["verify"]["checks"][0]["sql"] = "WITH d AS (DELETE FROM orders RETURNING 1) SELECT 0";
  auto errors = errors_of(m);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].rfind("spec.backfill.set: changes the shape", 0), 0u) << errors[0];
  EXPECT_EQ(errors[1].rfind("spec.backfill.pendingWhere: changes the shape", 0), 0u) << errors[1];
  EXPECT_EQ(errors[2].rfind("spec.verify.checks[0].sql: must only read", 0), 0u) << errors[2];
  EXPECT_EQ(errors[3].rfind("spec.verify.checksums[0].old: calls pg_read_file", 0), 0u)
      << errors[3];
}

TEST(Spec, Durations) {
  EXPECT_EQ(parse_duration("100ms"), std::chrono::milliseconds(100));
  EXPECT_EQ(parse_duration("2s"), std::chrono::milliseconds(2000));
  EXPECT_EQ(parse_duration("1m"), std::chrono::milliseconds(60000));
  EXPECT_FALSE(parse_duration("1h"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration(""));
}

TEST(Spec, DualWriteDefaultsToFlagsAndReadsTriggerMode) {
  EXPECT_EQ(parse_spec(manifest())->dual_write.mode, DualWriteMode::kFlags);
  json m = manifest();
  m["spec"]["dualWrite"] = {{"mode", "trigger"},
                            {"oldColumn", "amount_cents"},
                            {"newColumn", "amount"},
                            {"up", "amount_cents / 100.0"},
                            {"down", "(amount * 100)::int"}};
  auto r = parse_spec(m);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dual_write.mode, DualWriteMode::kTrigger);
  EXPECT_EQ(r->dual_write.table, "orders") << "the backfill's table by default";
  EXPECT_EQ(r->dual_write.up, "amount_cents / 100.0");
  EXPECT_NE(plan_hash(*r), plan_hash(*parse_spec(manifest())));

  m["spec"]["dualWrite"]["mode"] = "triggers";
  EXPECT_EQ(errors_of(m), std::vector<std::string>{
                              "spec.dualWrite.mode: must be flags or trigger, not \"triggers\""});
  m["spec"]["dualWrite"] = {{"mode", "trigger"},
                            {"oldColumn", "amount_cents"},
                            {"up", "1; DROP TABLE orders"},
                            {"down", "$x$"}};
  EXPECT_EQ(errors_of(m), (std::vector<std::string>{
                              "spec.dualWrite.newColumn: is required",
                              "spec.dualWrite.up: must be a single expression (no ';' or '$')",
                              "spec.dualWrite.down: must be a single expression (no ';' or '$')"}));
}

TEST(Spec, ReadsForeignKeyVerification) {
  json m = manifest();
  m["spec"]["verify"]["foreignKeys"] = json::parse(R"json([
    {"name": "addresses", "parent": {"table": "customers", "key": "id", "columns": ["street", "city"]},
     "child": {"table": "addresses", "key": "customer_id"}},
    {"name": "bad", "parent": {"table": "a.b.c", "key": "id", "columns": ["a"]},
     "child": {"table": "addresses", "key": "customer_id", "columns": ["a", "b"]}}])json");
  EXPECT_EQ(errors_of(m),
            (std::vector<std::string>{
                "spec.verify.foreignKeys[1].parent.table: must be a table name or schema.table as "
                "SQL writes it (quote names that are not plain with \"...\"), nothing else",
                "spec.verify.foreignKeys[1].child.columns: must name as many columns as "
                "parent.columns"}));
  m["spec"]["verify"]["foreignKeys"].erase(1);
  auto r = parse_spec(m);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->foreign_keys.size(), 1u);
  EXPECT_EQ(r->foreign_keys[0].child_columns, (std::vector<std::string>{"street", "city"}))
      << "the child's columns default to the parent's names";
}

TEST(Spec, BackfillDutyCyclePacesBetweenOneTwentiethAndOne) {
  EXPECT_EQ(parse_spec(manifest())->backfill->duty_cycle, 1.0);
  json m = manifest();
  m["spec"]["backfill"]["dutyCycle"] = 0.5;
  EXPECT_EQ(parse_spec(m)->backfill->duty_cycle, 0.5);
  m["spec"]["backfill"]["dutyCycle"] = 0;
  EXPECT_EQ(errors_of(m),
            std::vector<std::string>{"spec.backfill.dutyCycle: must be a number from 0.05 to 1"});
}

}  // namespace
