// The postgresStatements evidence provider against the stack's PostgreSQL with
// pg_stat_statements: the first reading is a baseline (no data), then it reports exactly the
// calls of matching statements of the chosen kinds made since, so "nobody reads the old
// column any more" is a measured zero. Dual-writes (UPDATEs) do not count unless asked.
#include <unistd.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "gates/pg_statements.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift::gates;
using schemashift::testing::stack_var;

void run(pqxx::connection& c, const std::string& sql) {
  pqxx::work tx(c);
  tx.exec(sql);
  tx.commit();
}

TEST(StatementsGate, CountsOnlyNewCallsOfMatchingStatementsOfTheChosenKinds) {
  pqxx::connection c(stack_var("PG_ORDERS_DSN"));
  run(c,
      "DROP TABLE IF EXISTS evidence_orders; CREATE TABLE evidence_orders (id bigint PRIMARY "
      "KEY, total_cents_legacy bigint, total numeric)");
  run(c, "INSERT INTO evidence_orders SELECT g, g, g FROM generate_series(1, 10) g");
  StatementsProvider provider;
  const nlohmann::json readers = {{"pattern", "\\mtotal_cents_legacy\\M"}};
  const nlohmann::json writers = {{"pattern", "\\mtotal_cents_legacy\\M"},
                                  {"kinds", {"update", "INSERT"}}};
  pqxx::connection app(stack_var("PG_ORDERS_DSN"));

  auto m = provider.measure(c, "readers", readers);
  EXPECT_EQ(m.kind, MeasurementKind::kNoData) << "the first reading is the baseline";
  EXPECT_EQ(provider.measure(c, "writers", writers).kind, MeasurementKind::kNoData);

  for (int i = 0; i < 3; ++i)
    run(app, "SELECT total_cents_legacy FROM evidence_orders WHERE id = " + std::to_string(i));
  run(app, "UPDATE evidence_orders SET total_cents_legacy = 1, total = 1 WHERE id = 1");
  run(app, "SELECT total FROM evidence_orders WHERE id = 2");  // the new column only

  m = provider.measure(c, "readers", readers);
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 3) << m.detail;
  m = provider.measure(c, "writers", writers);
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 1) << m.detail;

  m = provider.measure(c, "readers", readers);
  EXPECT_EQ(m.value, 0) << "no reader since the last reading: " << m.detail;
  run(c, "DROP TABLE evidence_orders");
}

TEST(StatementsGate, ADatabaseWithoutTheExtensionIsNamed) {
  const std::string dsn = stack_var("PG_ORDERS_DSN");
  const std::string db = "evidence_noext_" + std::to_string(::getpid());
  pqxx::connection admin(dsn);
  pqxx::nontransaction(admin).exec("CREATE DATABASE " + db);
  {
    pqxx::connection c(dsn.substr(0, dsn.rfind('/') + 1) + db);
    StatementsProvider provider;
    auto m = provider.measure(c, "x", {{"pattern", "x"}});
    EXPECT_EQ(m.kind, MeasurementKind::kError);
    EXPECT_NE(m.detail.find("pg_stat_statements is not installed in database " + db),
              std::string::npos)
        << m.detail;
  }
  pqxx::nontransaction(admin).exec("DROP DATABASE " + db);
}

TEST(StatementsGate, ABadKindIsAnError) {
  pqxx::connection c(stack_var("PG_ORDERS_DSN"));
  StatementsProvider provider;
  auto m = provider.measure(c, "x", {{"pattern", "x"}, {"kinds", {"TRUNCATE"}}});
  EXPECT_EQ(m.kind, MeasurementKind::kError);
  EXPECT_NE(m.detail.find("\"TRUNCATE\" is not a statement kind"), std::string::npos) << m.detail;
}

}  // namespace
