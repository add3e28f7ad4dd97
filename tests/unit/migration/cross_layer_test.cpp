// Migrations across layers: targets with roles (which flags move in which phase, in which
// order), a database each, spec.api's evidence gate and spec.events' registrations, through
// the spec reader and the pure phase machine.
#include <gtest/gtest.h>

#include <algorithm>

#include "migration/decide.h"
#include "migration/flag_moves.h"
#include "migration/spec.h"

namespace {

using namespace schemashift::migration;
using nlohmann::json;

std::vector<std::string> errors_of(const json& m) {
  auto r = parse_spec(m);
  std::vector<std::string> out;
  if (!r)
    for (const auto& e : r.error()) out.push_back(e.describe());
  return out;
}

json event_manifest() {
  return json::parse(R"({
    "metadata": {"generation": 1},
    "spec": {
      "targets": [
        {"service": "orders", "deployment": "orders", "flagKey": "orders.event_version",
         "roles": ["producer"], "database": {"secretRef": {"name": "orders-db"}}},
        {"service": "fulfillment", "deployment": "fulfillment",
         "flagKey": "fulfillment.order_events", "roles": ["consumer"],
         "database": {"secretRef": {"name": "fulfillment-db", "key": "url"}}}
      ],
      "events": {"registryUrl": "http://127.0.0.1:8081/apis/ccompat/v7",
                 "subject": "orders-value",
                 "schema": {"type": "object"},
                 "contractSchema": {"type": "object", "required": ["total_cents"]}},
      "contract": {"approval": "Auto"}
    }})");
}

std::vector<std::pair<std::string, std::vector<std::string>>> moves(const MigrationSpec& spec,
                                                                    Phase p,
                                                                    const std::string& level) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& m : flag_moves(spec, p, level)) out.push_back({to_string(m.mode), m.services});
  return out;
}

TEST(CrossLayerSpec, AnEventOnlyMigrationNeedsNoSpecDatabaseWhenEveryTargetHasOne) {
  auto r = parse_spec(event_manifest());
  ASSERT_TRUE(r) << errors_of(event_manifest()).front();
  EXPECT_FALSE(r->database);
  ASSERT_EQ(r->targets.size(), 2u);
  EXPECT_EQ(r->targets[0].roles, unsigned{kProducer});
  EXPECT_EQ(r->targets[1].database->key, "url");
  EXPECT_EQ(home_database(*r)->name, "orders-db") << "the first target's keeps the state";
  EXPECT_EQ(target_database(*r, r->targets[1])->name, "fulfillment-db");
  EXPECT_EQ(r->events->subject, "orders-value");
  ASSERT_TRUE(r->events->contract_schema);
}

TEST(CrossLayerSpec, BadLayersAreRefusedByFieldPath) {
  json m = event_manifest();
  m["spec"]["targets"][0]["roles"] = {"producer", "publisher"};
  m["spec"]["targets"][1].erase("database");
  m["spec"]["events"]["schemaFrom"] = {{"configMapKeyRef", {{"name", "s"}, {"key", "k"}}}};
  m["spec"]["events"]["registryUrl"] = "ftp://registry";
  m["spec"]["api"] = {{"service", "billing"}};
  const auto errors = errors_of(m);
  auto has = [&](const std::string& text) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const std::string& e) { return e.rfind(text, 0) == 0; });
  };
  EXPECT_TRUE(has("spec.targets[0].roles[1]: must be one of writer, reader, producer, consumer"));
  EXPECT_TRUE(has("spec.targets[1].database: is required when spec.database is not given"));
  EXPECT_TRUE(has("spec.events.schema: give schema or schemaFrom, not both"));
  EXPECT_TRUE(has("spec.events.registryUrl: must be an http:// or https:// URL"));
  EXPECT_TRUE(has("spec.api.service: must name one of spec.targets"));
}

TEST(CrossLayerSpec, SqlStepsStillNeedSpecDatabase) {
  json m = event_manifest();
  m["spec"]["expand"] = {{"sql", {"ALTER TABLE t ADD COLUMN c int"}}};
  m["spec"]["rollback"] = {{"sql", {"ALTER TABLE t DROP COLUMN c"}}};
  const auto errors = errors_of(m);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("spec.database: is required", 0), 0u) << errors[0];
}

TEST(CrossLayerSpec, ApiRetirementBecomesAnEvidenceGateWithTheWindow) {
  json m = event_manifest();
  m["spec"].erase("events");
  m["spec"]["targets"] = {{{"service", "customers"},
                           {"deployment", "customers"},
                           {"flagKey", "customers.v1_lifecycle"},
                           {"roles", {"reader"}},
                           {"database", {{"secretRef", {{"name", "customers-db"}}}}}}};
  m["spec"]["api"] = {{"service", "customers"}, {"oldVersion", "v1"}, {"windowSeconds", 20}};
  auto r = parse_spec(m);
  ASSERT_TRUE(r) << errors_of(m).front();
  ASSERT_EQ(r->gates.size(), 1u);
  const auto& g = r->gates[0];
  EXPECT_EQ(g.name, kApiEvidenceGate);
  EXPECT_EQ(g.provider, "apiTraffic");
  EXPECT_EQ(g.action, schemashift::gates::GateAction::kEvidence);
  EXPECT_EQ(g.window, std::chrono::seconds(20));
  EXPECT_EQ(g.params["oldVersion"], "v1");
  EXPECT_EQ(g.params["metricsPort"], 9090);
}

TEST(FlagMoves, WithoutRolesEveryTargetMovesTogetherAsBefore) {
  MigrationSpec s;
  s.targets = {{"orders", "orders", "orders.amount"}, {"customers", "customers", "c.k"}};
  using V = std::vector<std::string>;
  using M = decltype(moves(s, Phase::kDualWriting, ""));
  EXPECT_EQ(moves(s, Phase::kDualWriting, ""), (M{{"dual-write", V{"orders", "customers"}}}));
  EXPECT_EQ(moves(s, Phase::kReadSwitching, "").size(), 1u);
  EXPECT_EQ(moves(s, Phase::kContracting, "").size(), 1u);
  EXPECT_EQ(moves(s, Phase::kRollingBack, "").size(), 1u);
  EXPECT_TRUE(moves(s, Phase::kBackfilling, "").empty());
}

TEST(FlagMoves, WritersBeforeTheBackfillReadersBeforeContract) {
  MigrationSpec s;
  s.targets = {{"customers", "customers", "customers.given_name", kWriter | kReader},
               {"fulfillment", "fulfillment", "fulfillment.customers_api", kReader}};
  using V = std::vector<std::string>;
  using M = decltype(moves(s, Phase::kDualWriting, ""));
  EXPECT_EQ(moves(s, Phase::kDualWriting, ""), (M{{"dual-write", V{"customers"}}}))
      << "a reader has nothing to write twice";
  EXPECT_EQ(moves(s, Phase::kReadSwitching, ""), (M{{"read-new", V{"customers", "fulfillment"}}}));
  EXPECT_EQ(moves(s, Phase::kContracting, ""), (M{{"new", V{"customers", "fulfillment"}}}));
}

TEST(FlagMoves, TheSubjectsLevelOrdersConsumersAndProducers) {
  MigrationSpec s;
  s.targets = {{"orders", "orders", "orders.event_version", kProducer},
               {"fulfillment", "fulfillment", "fulfillment.order_events", kConsumer}};
  using V = std::vector<std::string>;
  using M = decltype(moves(s, Phase::kDualWriting, ""));
  EXPECT_EQ(moves(s, Phase::kDualWriting, "BACKWARD"),
            (M{{"dual-write", V{"fulfillment"}}, {"dual-write", V{"orders"}}}));
  EXPECT_EQ(moves(s, Phase::kDualWriting, "BACKWARD_TRANSITIVE"),
            (M{{"dual-write", V{"fulfillment"}}, {"dual-write", V{"orders"}}}));
  EXPECT_EQ(moves(s, Phase::kDualWriting, "FORWARD"),
            (M{{"dual-write", V{"orders"}}, {"dual-write", V{"fulfillment"}}}));
  EXPECT_EQ(moves(s, Phase::kDualWriting, "FULL"), (M{{"dual-write", V{"orders", "fulfillment"}}}));
  EXPECT_EQ(moves(s, Phase::kContracting, "BACKWARD"),
            (M{{"new", V{"fulfillment"}}, {"new", V{"orders"}}}));
  EXPECT_EQ(moves(s, Phase::kRollingBack, "BACKWARD"),
            (M{{"old", V{"orders"}}, {"old", V{"fulfillment"}}}))
      << "producers stop the new format first; consumers keep reading both meanwhile";
}

// The pure machine on an event migration, with instances that acknowledge when told.
struct EventWorld {
  MigrationSpec spec = *parse_spec(event_manifest());
  MigrationStatus status;
  Observations obs;
  std::vector<Action> log;
  std::string refusal;  // the registry refuses the contract schema with these words
  int t = 0;

  void round() {
    const std::string now = "2026-12-02T10:00:" + std::to_string(10 + t++) + "Z";
    Decision d = decide(spec, status, obs, now);
    status = d.status;
    for (const auto& a : d.actions) {
      log.push_back(a);
      Outcome o{a, true};
      if (a.kind == ActionKind::kPlan) {
        o.plan_hash = plan_hash(spec);
        o.compatibility = "BACKWARD";
      }
      if (a.kind == ActionKind::kRegisterEventSchema) {
        o.schema_id = a.step == 0 ? 41 : 42;
        if (a.step == 1 && !refusal.empty()) {
          o.schema_id = 0;
          o.refused = refusal;
        }
      }
      status = apply_outcome(spec, status, o, now);
      if (a.kind == ActionKind::kSetFlags)
        for (const auto& svc : a.targets) obs.acknowledged[svc] = a.mode;
    }
  }
  void run_to(Phase p) {
    for (int i = 0; i < 60 && status.phase != p && !is_terminal(status.phase); ++i) round();
    ASSERT_EQ(to_string(status.phase), to_string(p));
  }
};

TEST(CrossLayerDecide, UnderBackwardConsumersSwitchBeforeProducersAndIdsAreRecorded) {
  EventWorld w;
  w.run_to(Phase::kCompleted);
  std::vector<std::string> order;
  for (const auto& a : w.log) {
    if (a.kind == ActionKind::kRegisterEventSchema)
      order.push_back("register" + std::to_string(a.step));
    if (a.kind == ActionKind::kSetFlags) order.push_back(a.targets[0] + ":" + to_string(a.mode));
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"register0", "fulfillment:dual-write", "orders:dual-write",
                                      "register1", "fulfillment:new", "orders:new"}));
  ASSERT_TRUE(w.status.events);
  EXPECT_EQ(w.status.events->compatibility, "BACKWARD");
  EXPECT_EQ(w.status.events->schema_id, 41);
  EXPECT_EQ(w.status.events->contract_schema_id, 42);
  ASSERT_EQ(w.status.targets.size(), 2u);
  EXPECT_EQ(w.status.target("orders")->acknowledged, FlagMode::kNew);
}

TEST(CrossLayerDecide, AProducerThatHasNotAcknowledgedHoldsTheConsumersContract) {
  EventWorld w;
  w.run_to(Phase::kDualWriting);
  // fulfillment acknowledges, orders' instances do not.
  for (int i = 0; i < 5; ++i) {
    w.round();
    w.obs.acknowledged.erase("orders");
  }
  EXPECT_EQ(w.status.phase, Phase::kDualWriting);
  EXPECT_EQ(w.status.target("fulfillment")->acknowledged, FlagMode::kDualWrite);
  EXPECT_FALSE(w.status.target("orders")->acknowledged);
}

TEST(CrossLayerDecide, ARefusedContractSchemaHoldsAwaitingContractWithTheRegistrysWords) {
  EventWorld w;
  w.refusal = "required property total removed";
  w.run_to(Phase::kAwaitingContract);
  for (int i = 0; i < 3; ++i) w.round();
  EXPECT_EQ(w.status.phase, Phase::kAwaitingContract);
  const Condition* stalled = w.status.condition("Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_EQ(stalled->status, "True");
  EXPECT_EQ(stalled->reason, "ContractSchemaRefused");
  EXPECT_NE(stalled->message.find("required property total removed"), std::string::npos);
  // Rollback is still lossless from here: producers first.
  w.spec.abort = true;
  w.run_to(Phase::kRolledBack);
  std::vector<std::string> back;
  for (const auto& a : w.log)
    if (a.kind == ActionKind::kSetFlags && a.mode == FlagMode::kOld) back.push_back(a.targets[0]);
  EXPECT_EQ(back, (std::vector<std::string>{"orders", "fulfillment"}));
}

TEST(CrossLayerDecide, AnOlderStatusWithOneModeForAllTargetsIsReadPerTarget) {
  MigrationSpec spec;
  spec.database = SecretRef{"db"};
  spec.targets = {{"orders", "orders", "orders.amount"}};
  spec.contract_sql = {"SELECT 1"};
  MigrationStatus st;
  st.phase = Phase::kDualWriting;
  st.plan_hash = plan_hash(spec);
  st.flag_mode = FlagMode::kDualWrite;  // what an operator before roles wrote
  Observations obs;
  obs.acknowledged["orders"] = FlagMode::kDualWrite;
  Decision d = decide(spec, st, obs, "2026-12-02T10:00:00Z");
  EXPECT_NE(d.status.phase, Phase::kDualWriting) << "its barrier held: it moves on";
  for (const auto& a : d.actions) EXPECT_NE(a.kind, ActionKind::kSetFlags);
}

}  // namespace
