#include "cli/migration_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time.h"

namespace {

using nlohmann::json;
using schemashift::cli::render_history;
using schemashift::cli::render_list;
using schemashift::cli::render_migration;
using schemashift::cli::ViewStyle;
using ::testing::HasSubstr;
using ::testing::Not;

const auto kNow = *schemashift::parse_rfc3339("2026-12-01T12:10:00Z");

json migration(const std::string& phase) {
  return json::parse(R"J({
    "metadata": {"name": "orders-amount", "namespace": "shop", "uid": "u1",
                 "creationTimestamp": "2026-12-01T12:00:00Z"},
    "spec": {
      "targets": [{"service": "orders", "deployment": "orders", "flagKey": "orders.amount"}],
      "expand": {"sql": ["ALTER TABLE orders ADD COLUMN amount numeric(12,2)"]},
      "backfill": {"table": "orders", "keyColumn": "id", "set": "amount = amount_cents / 100.0"},
      "contract": {"sql": ["ALTER TABLE orders DROP COLUMN amount_cents"], "approval": "Manual"},
      "rollback": {"sql": ["ALTER TABLE orders DROP COLUMN IF EXISTS amount"]},
      "gates": [{"name": "replica-lag", "provider": "postgresReplicaLag"}]
    },
    "status": {
      "phase": ")J" + phase +
                     R"J(",
      "steps": {"expandDone": 1, "contractDone": 0, "rollbackDone": 0},
      "flags": {"mode": "dual-write", "acknowledged": "dual-write"},
      "backfill": {"rowsDone": 250000, "rowsEstimated": 1000000, "rowsPerSecond": 50000,
                   "complete": false, "progress": "25%"},
      "gates": [{"name": "replica-lag", "phase": "Running", "lastValue": 1024,
                 "lastDetail": "replay lag 1024 bytes"}],
      "conditions": [{"type": "Ready", "status": "False", "reason": "Progressing",
                      "message": "backfilling orders"}],
      "history": [{"phase": "Planned", "at": "2026-12-01T12:00:05Z", "reason": "plan passed"},
                  {"phase": "Expanding", "at": "2026-12-01T12:00:06Z", "reason": ""},
                  {"phase": "DualWriting", "at": "2026-12-01T12:00:08Z", "reason": ""},
                  {"phase": "Backfilling", "at": "2026-12-01T12:01:00Z", "reason": ""}]
    }})J");
}

TEST(MigrationView, ABackfillShowsItsBarRateAndEta) {
  const auto text = render_migration(migration("Backfilling"), json::array(), {}, kNow);
  EXPECT_THAT(text, HasSubstr("Name:         orders-amount"));
  EXPECT_THAT(text, HasSubstr("◌ Backfilling"));
  EXPECT_THAT(text, HasSubstr("✔ expand[0]"));
  EXPECT_THAT(text, HasSubstr("✔ flags dual-write"));
  EXPECT_THAT(text, HasSubstr("25%  250,000 / 1,000,000 rows  50,000 rows/s  ETA 15s"));
  EXPECT_THAT(text, HasSubstr("○ contract[0]"));
  EXPECT_THAT(text, HasSubstr("replica-lag"));
  EXPECT_THAT(text, HasSubstr("postgresReplicaLag"));
  EXPECT_THAT(text, HasSubstr("backfilling orders"));
  EXPECT_THAT(text, HasSubstr("Age:          10m"));
  EXPECT_THAT(text, Not(HasSubstr("\033[")));  // plain unless asked for colour
}

TEST(MigrationView, AwaitingContractSaysHowToApprove) {
  auto m = migration("AwaitingContract");
  m["status"]["backfill"]["complete"] = true;
  m["status"]["verified"] = true;
  const auto text = render_migration(m, json::array(), {}, kNow);
  EXPECT_THAT(text, HasSubstr("◷ AwaitingContract"));
  EXPECT_THAT(text, HasSubstr("✔ backfill orders"));
  EXPECT_THAT(text, HasSubstr("100%"));
  EXPECT_THAT(text, HasSubstr("✔ verify"));
  EXPECT_THAT(text, HasSubstr("awaiting approval: kubectl schemashift approve"));
  m["metadata"]["annotations"]["schemashift.io/approve"] = "true";
  EXPECT_THAT(render_migration(m, json::array(), {}, kNow),
              HasSubstr("awaiting evidence that old readers are gone"));
}

TEST(MigrationView, ARollbackShowsWhyAndWhatWasUndone) {
  auto m = migration("RolledBack");
  m["status"]["steps"]["rollbackDone"] = 1;
  m["status"]["rollbackReason"] = "gate error-rate failed: 0.2 > 0.01";
  m["status"]["history"].push_back({{"phase", "RolledBack"}, {"at", "2026-12-01T12:02:00Z"}});
  const auto text = render_migration(m, json::array(), {}, kNow);
  EXPECT_THAT(text, HasSubstr("↺ RolledBack"));
  EXPECT_THAT(text, HasSubstr("gate error-rate failed"));
  EXPECT_THAT(text, HasSubstr("✔ rollback[0]"));
  EXPECT_THAT(text, HasSubstr("− contract[0]"));  // never reached
}

TEST(MigrationView, AnUnreconciledMigrationSaysSo) {
  auto m = migration("Pending");
  m.erase("status");
  EXPECT_THAT(render_migration(m, json::array(), {}, kNow), HasSubstr("not reconciled yet"));
}

TEST(MigrationView, EventsAreShownOldestFirstWithTheirAge) {
  json events = json::array({
      {{"type", "Warning"},
       {"reason", "GateFailed"},
       {"note", "second"},
       {"eventTime", "2026-12-01T12:09:00.000000Z"}},
      {{"type", "Normal"},
       {"reason", "PhaseChanged"},
       {"note", "first"},
       {"eventTime", "2026-12-01T12:05:00.000000Z"}},
  });
  const auto text = render_migration(migration("Backfilling"), events, {}, kNow);
  const auto first = text.find("first"), second = text.find("second");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_THAT(text, HasSubstr("5m"));
}

TEST(MigrationView, ColourAndAsciiAreChoices) {
  const auto coloured =
      render_migration(migration("Backfilling"), json::array(), {.color = true}, kNow);
  EXPECT_THAT(coloured, HasSubstr("\033[36m"));
  const auto ascii =
      render_migration(migration("Backfilling"), json::array(), {.unicode = false}, kNow);
  EXPECT_THAT(ascii, HasSubstr("[x] expand[0]"));
  EXPECT_THAT(ascii, HasSubstr("[~] Backfilling"));
  for (unsigned char c : ascii) EXPECT_LT(c, 0x80);
}

TEST(MigrationView, ListShowsOneLinePerMigration) {
  json list = {{"items", json::array({migration("Backfilling"), migration("Completed")})}};
  list["items"][1]["metadata"]["name"] = "customers-lang";
  const auto text = render_list(list, true, {}, kNow);
  EXPECT_THAT(text, HasSubstr("NAMESPACE"));
  EXPECT_THAT(text, HasSubstr("orders-amount"));
  EXPECT_THAT(text, HasSubstr("customers-lang"));
  EXPECT_THAT(text, HasSubstr("25%"));
  EXPECT_THAT(text, HasSubstr("1/1"));
  EXPECT_EQ(render_list(json{{"items", json::array()}}, false, {}, kNow),
            "No SchemaMigrations found.\n");
}

TEST(MigrationView, HistoryGivesTheTimeSpentInEachPhase) {
  const auto text = render_history(migration("Backfilling"), {}, kNow);
  EXPECT_THAT(text, HasSubstr("DualWriting"));
  EXPECT_THAT(text, HasSubstr("52s"));  // 12:00:08 -> 12:01:00
  EXPECT_THAT(text, HasSubstr("9m"));   // still backfilling since 12:01
}

TEST(MigrationView, DurationsAndCountsReadLikeKubectl) {
  using schemashift::cli::human_duration;
  using schemashift::cli::with_thousands;
  EXPECT_EQ(human_duration(std::chrono::seconds(4)), "4s");
  EXPECT_EQ(human_duration(std::chrono::seconds(192)), "3m12s");
  EXPECT_EQ(human_duration(std::chrono::seconds(7500)), "2h5m");
  EXPECT_EQ(human_duration(std::chrono::seconds(3 * 86400)), "3d");
  EXPECT_EQ(with_thousands(1234567), "1,234,567");
  EXPECT_EQ(with_thousands(-1000), "-1,000");
  EXPECT_EQ(with_thousands(999), "999");
}

}  // namespace

namespace {

TEST(MigrationView, ACrossLayerMigrationShowsEachTargetTheApiClientsAndTheSubject) {
  json m = migration("AwaitingContract");
  m["spec"]["targets"].push_back(
      {{"service", "fulfillment"}, {"deployment", "fulfillment"}, {"flagKey", "f.k"}});
  m["status"]["targets"] = json::parse(R"([
    {"service": "orders", "mode": "read-new", "acknowledged": "read-new",
     "barrier": "2 of 2 live instances acknowledged; 2 ready replicas"},
    {"service": "fulfillment", "mode": "read-new",
     "barrier": "0 of 1 live instances acknowledged; 1 ready replicas"}])");
  m["status"]["api"] = json::parse(R"({"oldVersion": "v1", "clients": [
    {"client": "billing-batch", "requests": 42, "lastSeen": "2026-12-01T12:09:58Z"}]})");
  m["status"]["events"] = json::parse(
      R"({"subject": "orders-value", "compatibility": "BACKWARD", "schemaId": 7,
          "contractRefused": "OBJECT_TYPE_REQUIRED_PROPERTIES_MEMBER_ADDED at /required"})");
  const auto text = render_migration(m, json::array(), {}, kNow);
  EXPECT_THAT(text, HasSubstr("flags dual-write  orders, fulfillment\n"));
  EXPECT_THAT(text, HasSubstr("orders (acknowledged), fulfillment (waiting)"));
  EXPECT_THAT(text, HasSubstr("TARGETS"));
  EXPECT_THAT(text, HasSubstr("0 of 1 live instances acknowledged"));
  EXPECT_THAT(text, HasSubstr("billing-batch"));
  EXPECT_THAT(text, HasSubstr("42 requests"));
  EXPECT_THAT(text, HasSubstr("subject orders-value (BACKWARD), schema id 7"));
  EXPECT_THAT(text, HasSubstr("contract schema refused"));
}

}  // namespace
