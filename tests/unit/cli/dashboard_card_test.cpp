// The dashboard's reading of a migration (cli/dashboard/migration_card): the row and detail the
// page draws, the five-stage timeline from the plugin's steps, the counters, and the guards
// of the server (the Host it answers to) and the stream's framing.
#include "cli/dashboard/migration_card.h"

#include <gtest/gtest.h>

#include "cli/dashboard/dashboard_server.h"
#include "cli/dashboard/event_stream.h"
#include "common/time.h"

namespace {

using nlohmann::json;
namespace dash = schemashift::cli::dashboard;

const auto kNow = *schemashift::parse_rfc3339("2026-12-01T12:10:00Z");

json migration(const std::string& phase, json history = json::array()) {
  json m = json::parse(R"J({
    "metadata": {"name": "orders-amount", "namespace": "shop", "uid": "u1",
                 "creationTimestamp": "2026-12-01T12:00:00Z",
                 "annotations": {"schemashift.io/paused": "true"}},
    "spec": {
      "targets": [{"service": "orders", "deployment": "orders", "flagKey": "orders.amount"}],
      "expand": {"sql": ["ALTER TABLE orders ADD COLUMN amount numeric(12,2)"]},
      "backfill": {"table": "orders", "keyColumn": "id", "set": "amount = amount_cents / 100.0"},
      "contract": {"sql": ["ALTER TABLE orders DROP COLUMN amount_cents"], "approval": "Manual"},
      "rollback": {"sql": ["ALTER TABLE orders DROP COLUMN IF EXISTS amount"]},
      "gates": [{"name": "replica-lag", "provider": "postgresReplicaLag"}]
    },
    "status": {
      "steps": {"expandDone": 1, "contractDone": 0, "rollbackDone": 0},
      "backfill": {"rowsDone": 250000, "rowsEstimated": 1000000, "rowsPerSecond": 50000,
                   "complete": false},
      "gates": [{"name": "replica-lag", "phase": "Running", "lastValue": 1024,
                 "lastDetail": "replay lag 1024 bytes"}],
      "targets": [{"service": "orders", "mode": "dual-write", "acknowledged": "dual-write"}],
      "conditions": [{"type": "Ready", "status": "False", "reason": "Backfilling",
                      "message": "backfilling orders"}]
    }
  })J");
  m["status"]["phase"] = phase;
  m["status"]["history"] = std::move(history);
  return m;
}

std::string stage_state(const json& timeline, const std::string& stage) {
  for (const auto& s : timeline)
    if (s["stage"] == stage) return s["state"];
  return "(missing)";
}

TEST(DashboardCard, ABackfillingMigrationShowsItsProgressGatesAndTargets) {
  const json events = json::array({{{"reason", "BatchSlowed"},
                                    {"type", "Normal"},
                                    {"note", "second"},
                                    {"eventTime", "2026-12-01T12:05:00.000000Z"}},
                                   {{"reason", "Expanded"},
                                    {"type", "Normal"},
                                    {"note", "first"},
                                    {"eventTime", "2026-12-01T12:01:00.000000Z"}}});
  const json card = dash::migration_card(migration("Backfilling"), events, kNow);
  EXPECT_EQ(card["namespace"], "shop");
  EXPECT_EQ(card["name"], "orders-amount");
  EXPECT_EQ(card["phase"], "Backfilling");
  EXPECT_TRUE(card["paused"].get<bool>());
  EXPECT_EQ(card["age"], "10m");
  EXPECT_DOUBLE_EQ(card["progress"]["fraction"].get<double>(), 0.25);
  EXPECT_EQ(card["progress"]["text"], "250,000 / 1,000,000 rows");
  EXPECT_EQ(card["progress"]["eta"], "15s");
  EXPECT_EQ(card["gates"][0]["provider"], "postgresReplicaLag");
  EXPECT_EQ(card["gates"][0]["value"], 1024);
  EXPECT_EQ(card["targets"][0]["mode"], "dual-write");
  EXPECT_EQ(card["message"], "backfilling orders");
  ASSERT_EQ(card["events"].size(), 2u);
  EXPECT_EQ(card["events"][0]["reason"], "Expanded") << "the log reads oldest first";
  EXPECT_FALSE(card.contains("durationSeconds"));
}

TEST(DashboardCard, TheTimelineFollowsThePluginsSteps) {
  const json t = dash::migration_timeline(migration("Backfilling"));
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0]["stage"], "plan");
  EXPECT_EQ(stage_state(t, "plan"), "done");
  EXPECT_EQ(stage_state(t, "validate"), "done");
  EXPECT_EQ(stage_state(t, "migrate"), "running");
  EXPECT_EQ(stage_state(t, "verify"), "pending");
  EXPECT_EQ(stage_state(t, "contract"), "pending");

  const json waiting = dash::migration_timeline(migration("AwaitingContract"));
  EXPECT_EQ(stage_state(waiting, "verify"), "done");
  EXPECT_EQ(stage_state(waiting, "contract"), "waiting");

  json rolled = migration("RolledBack", json::array({{{"phase", "Expanding"}},
                                                     {{"phase", "Backfilling"}},
                                                     {{"phase", "RollingBack"}}}));
  const json back = dash::migration_timeline(rolled);
  EXPECT_EQ(stage_state(back, "validate"), "done");
  EXPECT_EQ(stage_state(back, "contract"), "skipped");
}

TEST(DashboardCard, CountersCountValidatedAppliedAndTheLastDuration) {
  auto completed = [](const std::string& created, const std::string& done) {
    json m = migration("Completed", json::array({{{"phase", "Expanding"}, {"at", created}},
                                                 {{"phase", "DualWriting"}, {"at", created}},
                                                 {{"phase", "Completed"}, {"at", done}}}));
    m["metadata"]["creationTimestamp"] = created;
    return m;
  };
  std::vector<json> all = {
      completed("2026-12-01T10:00:00Z", "2026-12-01T10:05:00Z"),
      completed("2026-12-01T11:00:00Z", "2026-12-01T11:01:30Z"),  // the latest to complete
      migration("Expanding", json::array({{{"phase", "Planned"}}})),
      migration("RolledBack", json::array({{{"phase", "Backfilling"}}}))};
  const json c = dash::board_counters(all);
  EXPECT_EQ(c["total"], 4);
  EXPECT_EQ(c["passedValidation"], 3);
  EXPECT_EQ(c["applied"], 2);
  EXPECT_EQ(c["rolledBack"], 1);
  EXPECT_EQ(c["failed"], 0);
  EXPECT_DOUBLE_EQ(c["lastDurationSeconds"].get<double>(), 90.0);
  EXPECT_TRUE(dash::board_counters({})["lastDurationSeconds"].is_null());
}

TEST(DashboardCard, AMigrationNotYetReconciledReadsAsPending) {
  json m = {{"metadata", {{"name", "fresh"}, {"namespace", "shop"}}}, {"spec", json::object()}};
  const json card = dash::migration_card(m, json::array(), kNow);
  EXPECT_EQ(card["phase"], "Pending");
  EXPECT_FALSE(card["reconciled"].get<bool>());
  EXPECT_FALSE(card["progress"]["hasBackfill"].get<bool>());
}

TEST(DashboardServerGuards, AnswersOnlyToItsOwnAddress) {
  EXPECT_TRUE(dash::host_allowed("127.0.0.1:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(dash::host_allowed("localhost:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(dash::host_allowed("evil.example:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(dash::host_allowed("127.0.0.1:9090", "127.0.0.1", 8080));
  EXPECT_FALSE(dash::host_allowed("", "127.0.0.1", 8080));
  EXPECT_TRUE(dash::host_allowed("[::1]:8080", "::1", 8080));
}

TEST(DashboardEventStream, OneBoardIsOneServerSentEvent) {
  EXPECT_EQ(dash::board_event(R"({"a":1})", 7), "id: 7\nevent: board\ndata: {\"a\":1}\n\n");
}

}  // namespace
