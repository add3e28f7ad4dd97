// Scenario 8's shape on the real services: OrderCreated evolves from v1 to v2 (total_cents and
// currency beside total) and later to v3 (total dropped), orders the producer
// (orders.event_version) and fulfillment the consumer (fulfillment.order_events), two pods
// each, one SchemaMigration with spec.events and no SQL, while orders flow at a steady rate.
// Under BACKWARD the consumers are switched, and acknowledged by every pod, before the
// producers' flag is written: proven from the flag rows of the two databases (FlagTimeline),
// not from the operator. Every acknowledged order (the test's ledger) ships once, from its own
// event, with the amount the test sent. v3 breaks BACKWARD (the registry refuses it), so the
// contract holds (Stalled) with the registry's words and nothing of v3 registered, until the
// team allows the break (the subject's rule to NONE; the operator asks again by itself, the
// manifest unchanged): then v3 is registered, consumers and then
// producers go to `new` (the order the plan's BACKWARD asked for) and the migration completes.
// Separately: an incompatible schema, and a subject the registry does not have, are refused
// by the plan (Planned=False, the phase stays Pending) before anything moves (no DDL, no flag
// row, no registry version).
#include <iostream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/flag_timeline.h"
#include "e2e/registry_probe.h"
#include "e2e/services_order_load.h"
#include "e2e/services_shop.h"
#include "e2e/shop_migration.h"
#include "event_schemas.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using schemashift::svc::order_created_schema;
using schemashift::testing::eventually;
using schemashift::testing::FlagTimeline;
using schemashift::testing::OrderLoad;
using schemashift::testing::RegistryProbe;
using schemashift::testing::scalar;
using schemashift::testing::Shop;
using schemashift::testing::ShopOperator;
using schemashift::testing::stack_var;

std::string secret_ref(const std::string& service) {
  return "{secretRef: {name: " + ShopOperator::secret(service) + ", key: dsn}}";
}

// The migration: orders produces, fulfillment consumes; `extra` is appended to the spec.
std::string events_manifest(const std::string& name, const std::string& ns,
                            const std::string& subject, const json& schema,
                            const json& contract_schema, const std::string& extra = "") {
  std::string m =
      "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n  name: " + name +
      "\n  namespace: " + ns +
      "\nspec:\n  targets:\n"
      "  - service: orders\n    deployment: orders\n"
      "    flagKey: orders.event_version\n    roles: [producer]\n    database: " +
      secret_ref("orders") +
      "\n  - service: fulfillment\n    deployment: fulfillment\n"
      "    flagKey: fulfillment.order_events\n    roles: [consumer]\n    database: " +
      secret_ref("fulfillment") +
      "\n  events:\n    registryUrl: " + stack_var("SCHEMA_REGISTRY_URL") +
      "\n    subject: " + subject + "\n    schema: " + schema.dump() + "\n";
  if (!contract_schema.is_null()) m += "    contractSchema: " + contract_schema.dump() + "\n";
  // No SQL to contract: spec.approve (contract.approval would need spec.database).
  return m + "  approve: true\n" + extra;
}

std::int64_t create_customer(Shop& shop) {
  auto r = shop.post("customers", "/v1/customers",
                     {{"first_name", "Ada"},
                      {"last_name", "Lovelace"},
                      {"email", "ada@example.org"},
                      {"city", "London"},
                      {"country", "GB"}});
  if (r.status != 201) throw std::runtime_error("POST /v1/customers: " + r.text);
  return r.body["id"].get<std::int64_t>();
}

// One order through to its shipment: orders registered v1 under the subject on the way.
void ship_one(Shop& shop, std::int64_t customer) {
  auto o = shop.post("orders", "/v1/orders", {{"customer_id", customer}, {"amount_cents", 99}});
  if (o.status != 201) throw std::runtime_error("POST /v1/orders: " + o.text);
  const auto path = "/v1/shipments/" + std::to_string(o.body["id"].get<std::int64_t>());
  if (!eventually([&] { return shop.get("fulfillment", path).status == 200; }, 60s))
    throw std::runtime_error("no shipment for the first order" + shop.describe("fulfillment"));
}

bool stalled_at_contract(const ShopOperator& op, const std::string& name) {
  return op.phase(name) == "AwaitingContract" &&
         op.condition(name, "Stalled").value("status", "") == "True";
}

// The registry's own words about `schema` under `subject` (asked by the test) are in
// `message`: every reason it gives.
void expect_registry_words(const RegistryProbe& registry, const std::string& subject,
                           const json& schema, const std::string& message) {
  const auto verdict = registry.check(subject, schema);
  ASSERT_FALSE(verdict.compatible);
  auto words = verdict.messages;
  if (words.empty()) words = registry.dry_run_causes(subject, schema);
  ASSERT_FALSE(words.empty()) << "the registry gave the test no reason";
  for (const auto& w : words)
    EXPECT_NE(message.find(w), std::string::npos)
        << "the registry said: " << w << "\nthe condition: " << message;
}

TEST(ServicesMigration, AnEventEvolutionUnderBackwardSwitchesConsumersBeforeProducers) {
  const auto started = std::chrono::steady_clock::now();
  Shop shop;
  shop.install_all({{"orders", "--set replicaCount=2"}, {"fulfillment", "--set replicaCount=2"}});
  const std::string subject = shop.topic() + "-value";
  RegistryProbe registry(stack_var("SCHEMA_REGISTRY_URL"));
  registry.set_compatibility(subject, "BACKWARD");
  const auto customer = create_customer(shop);
  ship_one(shop, customer);
  ASSERT_EQ(registry.versions(subject).size(), 1u);  // v1, by orders

  ShopOperator op(shop);
  FlagTimeline timeline(
      {{"orders", shop.db("orders").dsn(), "orders.event_version"},
       {"fulfillment", shop.db("fulfillment").dsn(), "fulfillment.order_events"}});
  OrderLoad load(shop.url("orders"), customer, 100ms);
  std::this_thread::sleep_for(2s);
  op.apply(events_manifest("order-created-v2", shop.ns(), subject, order_created_schema(2),
                           order_created_schema(3)));

  // Up to the contract: v3 is refused under BACKWARD, so the migration holds there.
  ASSERT_TRUE(eventually(
      [&] {
        const auto p = op.phase("order-created-v2");
        return stalled_at_contract(op, "order-created-v2") || p == "Completed" || p == "Failed" ||
               p == "RolledBack";
      },
      180s))
      << op.describe("order-created-v2") << timeline.describe();
  ASSERT_TRUE(stalled_at_contract(op, "order-created-v2"))
      << op.describe("order-created-v2") << timeline.describe();
  EXPECT_EQ(op.condition("order-created-v2", "Stalled").value("reason", ""),
            "ContractSchemaRefused");
  expect_registry_words(registry, subject, order_created_schema(3),
                        op.condition("order-created-v2", "Stalled").value("message", ""));
  EXPECT_FALSE(registry.id_of(subject, order_created_schema(3)))
      << "v3 registered before the contract";
  EXPECT_EQ(registry.versions(subject).size(), 2u);  // v1 and v2
  const auto fulfillment_pods = shop.ready_pods("fulfillment");
  const auto orders_pods = shop.ready_pods("orders");
  ASSERT_EQ(fulfillment_pods.size(), 2u);
  ASSERT_EQ(orders_pods.size(), 2u);

  // Consumers first: both fulfillment pods acknowledged dual-write in the fulfillment database
  // before the orders flag was written in the orders database.
  const auto consumers_acked =
      timeline.acknowledged_by("fulfillment", "dual-write", fulfillment_pods);
  const auto producers_written = timeline.written_at("orders", "dual-write");
  ASSERT_TRUE(consumers_acked && producers_written) << timeline.describe();
  EXPECT_LT(*consumers_acked, *producers_written) << timeline.describe();
  EXPECT_TRUE(timeline.acknowledged_by("orders", "dual-write", orders_pods)) << timeline.describe();
  for (const auto& v : timeline.values("orders")) EXPECT_NE(v, "new") << timeline.describe();

  // The team accepts the break now that every consumer reads total_cents: the operator asks
  // the registry again on its own (re-checked every 10 s; the manifest is unchanged).
  registry.set_compatibility(subject, "NONE");
  const bool completed = op.wait_phase("order-created-v2", "Completed", 120s);
  std::this_thread::sleep_for(3s);  // orders keep flowing after the contract
  load.stop();
  timeline.stop();
  ASSERT_TRUE(completed) << op.describe("order-created-v2") << timeline.describe();
  EXPECT_TRUE(timeline.acknowledged_by("orders", "new", orders_pods)) << timeline.describe();
  // At contract too, consumers first.
  const auto consumers_new = timeline.acknowledged_by("fulfillment", "new", fulfillment_pods);
  const auto producers_new = timeline.written_at("orders", "new");
  ASSERT_TRUE(consumers_new && producers_new) << timeline.describe();
  EXPECT_LT(*consumers_new, *producers_new) << timeline.describe();

  // Nothing lost, duplicated or misread: every acknowledged order shipped once from its event
  // with the amount the test sent; no order refused; nothing dead-lettered.
  const auto acked = load.acknowledged();
  const auto amounts = load.amounts();
  EXPECT_EQ(load.unacknowledged(), 0) << "of " << load.sent();
  EXPECT_GT(acked.size(), 100u);
  const auto problems = schemashift::testing::ledger_problems(shop, acked, 60s, &amounts);
  EXPECT_TRUE(problems.empty()) << problems << shop.describe("fulfillment");
  EXPECT_TRUE(schemashift::testing::read_topic(shop.dead_letter_topic(), 0, 3s, 1s).empty());

  // The ids the status records are the registry's.
  const auto status = op.get("order-created-v2")["status"];
  ASSERT_TRUE(status.contains("events")) << status.dump(2);
  const auto v2_id = registry.id_of(subject, order_created_schema(2));
  const auto v3_id = registry.id_of(subject, order_created_schema(3));
  ASSERT_TRUE(v2_id && v3_id);
  EXPECT_EQ(status["events"].value("schemaId", -1), *v2_id) << status.dump(2);
  EXPECT_EQ(status["events"].value("contractSchemaId", -1), *v3_id) << status.dump(2);
  EXPECT_EQ(status["events"].value("subject", ""), subject);
  std::cout << "[ measured ] consumers acknowledged dual-write "
            << (*producers_written - *consumers_acked) * 1000 << " ms and new "
            << (*producers_new - *consumers_new) * 1000
            << " ms before the producers' flag was written\n";
  std::cout << "[ measured ] " << acked.size() << " orders; "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s in all\n";
}

// The databases' flag rows, for "nothing moved".
std::string flag_rows(const std::string& dsn) {
  pqxx::connection c(dsn);
  return scalar(c,
                "SELECT coalesce(string_agg(key || '=' || value || '@' || generation, ',' ORDER BY "
                "key), '') FROM schemashift.flags");
}

TEST(ServicesMigration,
     AnIncompatibleSchemaOrAMissingSubjectIsRefusedInPlannedBeforeAnythingMoves) {
  const auto started = std::chrono::steady_clock::now();
  Shop shop;
  shop.install_all();
  const std::string subject = shop.topic() + "-value";
  RegistryProbe registry(stack_var("SCHEMA_REGISTRY_URL"));
  registry.set_compatibility(subject, "BACKWARD");
  ship_one(shop, create_customer(shop));
  const auto versions_before = registry.versions(subject);
  ASSERT_EQ(versions_before.size(), 1u);
  const auto orders_flags = flag_rows(shop.db("orders").dsn());
  const auto fulfillment_flags = flag_rows(shop.db("fulfillment").dsn());
  pqxx::connection orders(shop.db("orders").dsn());
  // total turned from a number into a string: v1 events no longer validate.
  json incompatible = order_created_schema(2);
  incompatible["properties"]["total"]["type"] = "string";
  // With SQL too, to show none of it runs.
  const std::string expand = "  database: " + secret_ref("orders") +
                             "\n  expand:\n    sql: [\"ALTER TABLE orders ADD COLUMN IF NOT "
                             "EXISTS metadata jsonb\"]\n"
                             "  rollback:\n    sql: [\"ALTER TABLE orders DROP COLUMN IF "
                             "EXISTS metadata\"]\n";
  ShopOperator op(shop);
  auto refused_in_planned = [&](const std::string& name) {
    return eventually([&] { return op.condition(name, "Planned").value("status", "") == "False"; },
                      60s);
  };

  // A subject the registry does not have is never taken as compatible.
  const std::string missing = "missing-" + shop.topic() + "-value";
  op.apply(events_manifest("missing-subject", shop.ns(), missing, order_created_schema(2), nullptr,
                           expand));
  ASSERT_TRUE(refused_in_planned("missing-subject")) << op.describe("missing-subject");
  EXPECT_NE(op.condition("missing-subject", "Planned").value("message", "").find(missing),
            std::string::npos)
      << op.describe("missing-subject");
  EXPECT_TRUE(registry.versions(missing).empty());
  ASSERT_EQ(shop.kubectl("delete smig missing-subject --timeout=30s").exit_code, 0);

  op.apply(events_manifest("incompatible", shop.ns(), subject, incompatible, nullptr, expand));
  ASSERT_TRUE(refused_in_planned("incompatible")) << op.describe("incompatible");
  expect_registry_words(registry, subject, incompatible,
                        op.condition("incompatible", "Planned").value("message", ""));
  std::this_thread::sleep_for(5s);  // and it stays so
  const auto phase = op.phase("incompatible");
  EXPECT_TRUE(phase.empty() || phase == "Pending") << op.describe("incompatible");
  EXPECT_EQ(op.condition("incompatible", "Planned").value("status", ""), "False");

  // Nothing moved: no DDL, no flag row in either database, no registry version.
  EXPECT_EQ(scalar(orders,
                   "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                   "'orders' AND column_name = 'metadata'"),
            "0");
  EXPECT_EQ(flag_rows(shop.db("orders").dsn()), orders_flags);
  EXPECT_EQ(flag_rows(shop.db("fulfillment").dsn()), fulfillment_flags);
  EXPECT_EQ(registry.versions(subject), versions_before);
  EXPECT_FALSE(registry.id_of(subject, incompatible));
  std::cout << "[ measured ] "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s in all\n";
}

}  // namespace
