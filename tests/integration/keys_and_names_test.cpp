// Backfill, checksums and the planner against the real PostgreSQL on the keys and names users
// bring: mixed-case, spaced and non-ASCII names with a composite key; a uuid key; a text key in a
// non-C collation; the smallest bigint; a hostile SET list that must not widen a batch; a
// search_path changed between plan and backfill; two migrations racing for one table. Every
// verdict is read from the tables themselves (each row counts its updates in `touched`).
#include <latch>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "controller/pg_runner.h"
#include "migration/spec.h"
#include "pg/backfill.h"
#include "pg/fence.h"
#include "pg/verify.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::pg;
using schemashift::controller::PgRunner;
using schemashift::migration::Action;
using schemashift::migration::ActionKind;
using schemashift::testing::scalar;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

class KeysAndNames : public ::testing::Test {
 protected:
  void SetUp() override { suffix_ = unique_suffix(); }
  void TearDown() override {
    pqxx::work tx(conn_);
    for (const auto& d : drops_) tx.exec0(d);
    for (const auto& m : migrations_)
      tx.exec_params0("DELETE FROM schemashift.migrations WHERE name = $1", m);
    tx.commit();
  }
  void exec(const std::string& sql) {
    pqxx::work tx(conn_);
    tx.exec0(sql);
    tx.commit();
  }
  // Runs a backfill to completion in batches of `batch` keys; returns the batch count.
  int backfill(BackfillConfig cfg, int batch = 300) {
    migrations_.push_back(cfg.migration);
    pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
    auto fence = Fence::acquire(fence_conn, cfg.migration);
    EXPECT_TRUE(fence) << fence.error();
    cfg.min_batch = cfg.max_batch = cfg.initial_batch = batch;
    Backfiller bf(conn_, cfg, fence->epoch());
    bf.start();
    int batches = 0;
    while (!bf.run_batch().complete) ++batches;
    return batches;
  }

  pqxx::connection conn_{stack_var("PG_ORDERS_DSN")};
  std::string suffix_;
  std::vector<std::string> drops_, migrations_;
};

TEST_F(KeysAndNames, MixedCaseSpacedNonAsciiNamesWithACompositeKey) {
  const std::string schema = "Shop Ä " + suffix_, table = "Orders Ü";
  const std::string q = "\"" + schema + "\".\"" + table + "\"";
  exec("CREATE SCHEMA \"" + schema + "\"");
  drops_.push_back("DROP SCHEMA \"" + schema + "\" CASCADE");
  // A lower-case twin that must not be touched: "Shop".orders is not shop.orders.
  exec("CREATE TABLE \"" + schema + "\".\"orders ü\" (x int)");
  exec("CREATE TABLE " + q +
       " (\"Region\" text NOT NULL, \"order no\" int NOT NULL, amount_cents int NOT NULL, "
       "\"Amount\" numeric(12,2), touched int NOT NULL DEFAULT 0, PRIMARY KEY (\"Region\", "
       "\"order no\"))");
  exec("INSERT INTO " + q +
       " (\"Region\", \"order no\", amount_cents) SELECT r, g, g FROM unnest(ARRAY['EU', 'US', "
       "'Åland']) r, generate_series(1, 1000) g");
  const auto batches = backfill({.migration = "keys/mixed-" + suffix_,
                                 .table = q,
                                 .set = "\"Amount\" = amount_cents / 100.0, touched = touched + 1",
                                 .key_columns = {"Region", "order no"}});
  EXPECT_GE(batches, 9);
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + q + " WHERE touched <> 1"), "0");
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + q + " WHERE \"Amount\" IS NULL"), "0");

  ChecksumSpec cs{.table = q,
                  .old_expr = "amount_cents",
                  .new_expr = "(\"Amount\" * 100)::int",
                  .chunk_rows = 400,
                  .key_columns = {"Region", "order no"}};
  auto clean = compare_checksums(conn_, cs);
  EXPECT_TRUE(clean.failures.empty()) << clean.failures[0];
  EXPECT_EQ(clean.rows_checked, 3000);
  exec("UPDATE " + q + " SET \"Amount\" = 0 WHERE \"Region\" = 'US' AND \"order no\" = 777");
  auto bad = compare_checksums(conn_, cs);
  ASSERT_EQ(bad.failures.size(), 1u);
  EXPECT_NE(bad.failures[0].find("1 rows differ, first at (\"Region\", \"order no\") = (US, 777)"),
            std::string::npos)
      << bad.failures[0];
}

TEST_F(KeysAndNames, AUuidKey) {
  const std::string t = "k_uuid_" + suffix_;
  exec("CREATE TABLE " + t +
       " (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), a int, b int, touched int NOT NULL "
       "DEFAULT 0)");
  drops_.push_back("DROP TABLE " + t);
  exec("INSERT INTO " + t + " (a) SELECT g FROM generate_series(1, 2000) g");
  backfill({.migration = "keys/uuid-" + suffix_,
            .table = t,
            .key_column = "id",
            .set = "b = a, touched = touched + 1"});
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + t + " WHERE touched <> 1 OR b <> a"), "0");
  EXPECT_EQ(
      scalar(
          conn_,
          "SELECT jsonb_array_length(checkpoint->'backfill'->'upperKey') || ' ' || "
          "(checkpoint->'backfill'->'upperKey'->>0 = (SELECT id::text FROM " +
              t +
              " ORDER BY id DESC LIMIT 1)) FROM schemashift.migrations WHERE name = 'keys/uuid-" +
              suffix_ + "'"),
      "1 true")
      << "the checkpoint keeps the uuid itself, not a number";
  auto r = compare_checksums(
      conn_, {.table = t, .key_column = "id", .old_expr = "a", .new_expr = "b", .chunk_rows = 300});
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(r.rows_checked, 2000);
}

TEST_F(KeysAndNames, ATextKeyInANonCCollation) {
  // In en-US order 'a' < 'B' < 'c'; in C order 'B' < 'a'. Batches bounded in one order and
  // fetched in the other would skip or repeat rows.
  const std::string coll =
      scalar(conn_,
             "SELECT quote_ident(collname) FROM pg_collation WHERE collname IN ('en-US-x-icu', "
             "'en_US.utf8', 'en_US', 'und-x-icu') ORDER BY collname = 'en-US-x-icu' DESC LIMIT 1");
  ASSERT_NE(coll, "NULL") << "the server has no linguistic collation";
  const std::string t = "k_text_" + suffix_;
  exec("CREATE TABLE " + t + " (code text COLLATE " + coll +
       " PRIMARY KEY, n int, m int, touched int NOT NULL DEFAULT 0)");
  drops_.push_back("DROP TABLE " + t);
  exec("INSERT INTO " + t +
       " (code, n) SELECT CASE g % 4 WHEN 0 THEN 'a' WHEN 1 THEN 'B' WHEN 2 THEN 'c' ELSE 'Ä' END "
       "|| g, g FROM generate_series(1, 3000) g");
  ASSERT_EQ(scalar(conn_, "SELECT 'a1' < 'B2' COLLATE " + coll), "t");
  ASSERT_EQ(scalar(conn_, "SELECT 'a1' < 'B2' COLLATE \"C\""), "f");
  backfill({.migration = "keys/text-" + suffix_,
            .table = t,
            .key_column = "code",
            .set = "m = n, touched = touched + 1"},
           250);
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + t + " WHERE touched <> 1"), "0");
  auto r = compare_checksums(
      conn_,
      {.table = t, .key_column = "code", .old_expr = "n", .new_expr = "m", .chunk_rows = 250});
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(r.rows_checked, 3000);
}

TEST_F(KeysAndNames, TheSmallestBigintIsAKeyLikeAnyOther) {
  const std::string t = "k_min_" + suffix_;
  exec("CREATE TABLE " + t +
       " (id bigint PRIMARY KEY, a int, b int, touched int NOT NULL DEFAULT 0)");
  drops_.push_back("DROP TABLE " + t);
  exec("INSERT INTO " + t +
       " (id, a) SELECT -9223372036854775808 + g, g FROM generate_series(0, 999) g "
       "UNION ALL SELECT 9223372036854775807, 0");
  backfill({.migration = "keys/min-" + suffix_,
            .table = t,
            .key_column = "id",
            .set = "b = a, touched = touched + 1"});
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + t + " WHERE touched <> 1"), "0");
  EXPECT_EQ(scalar(conn_, "SELECT touched FROM " + t + " WHERE id = -9223372036854775808"), "1");
  auto r = compare_checksums(
      conn_, {.table = t, .key_column = "id", .old_expr = "a", .new_expr = "b", .chunk_rows = 100});
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(r.rows_checked, 1001);
}

TEST_F(KeysAndNames, AHostileSetCannotWidenABatch) {
  const std::string t = "k_hostile_" + suffix_;
  exec("CREATE TABLE " + t + " (id int PRIMARY KEY, touched int NOT NULL DEFAULT 0)");
  drops_.push_back("DROP TABLE " + t);
  exec("INSERT INTO " + t + " (id) SELECT g FROM generate_series(1, 5000) g");
  // Before: "UPDATE t SET touched = touched + 1 -- WHERE id > $1 ..." updated all 5000 rows.
  auto m = nlohmann::json::parse(R"({"metadata": {"name": "h"}, "spec": {
      "database": {"secretRef": {"name": "db"}},
      "backfill": {"table": "t", "keyColumn": "id", "set": "touched = touched + 1 --"}}})");
  auto spec = schemashift::migration::parse_spec(m);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error()[0].field, "spec.backfill.set");

  const std::string migration = "keys/hostile-" + suffix_;
  migrations_.push_back(migration);
  pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
  auto fence = Fence::acquire(fence_conn, migration);
  ASSERT_TRUE(fence);
  // The backfiller refuses them itself too (whoever builds its configuration).
  for (const auto& [set, where] : {std::pair{"touched = touched + 1 --", ""},
                                   std::pair{"touched = touched + 1", "true) OR (true"}}) {
    EXPECT_THROW(Backfiller(conn_,
                            {.migration = migration,
                             .table = t,
                             .key_column = "id",
                             .set = set,
                             .pending_where = where},
                            fence->epoch()),
                 std::invalid_argument)
        << set << " / " << where;
  }
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + t + " WHERE touched <> 0"), "0");
  // A comment that ends at its line is accepted, and stays on the fragment's own lines: one
  // batch updates exactly its keys, and the rows beyond the batch are untouched.
  Backfiller bf(conn_,
                {.migration = migration,
                 .table = t,
                 .key_column = "id",
                 .set = "touched = touched + 1 -- a note\n",
                 .pending_where = "touched = 0 -- another\n",
                 .min_batch = 100,
                 .max_batch = 100,
                 .initial_batch = 100},
                fence->epoch());
  bf.start();
  const auto r = bf.run_batch();
  EXPECT_EQ(r.rows, 100);
  EXPECT_EQ(scalar(conn_, "SELECT count(*) || ' ' || max(id) FROM " + t + " WHERE touched = 1"),
            "100 100");
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + t + " WHERE id > 100 AND touched <> 0"), "0");
}

// A PgRunner with `search_path` set for its sessions, by the connection string's own `options`
// (the operator never reads PGOPTIONS from its environment). An empty `path` keeps the
// server's default.
std::unique_ptr<PgRunner> runner_with_path(const std::string& migration, const std::string& path) {
  std::string dsn = stack_var("PG_ORDERS_DSN");
  if (!path.empty()) {
    std::string encoded;
    for (char c : path) encoded += c == ',' ? std::string("%2C") : std::string(1, c);
    dsn += (dsn.find('?') == std::string::npos ? "?" : "&") +
           std::string("options=-csearch_path%3D") + encoded;
  }
  auto r = PgRunner::connect(migration, dsn);
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : nullptr;
}

schemashift::migration::MigrationSpec spec_for(const std::string& table) {
  auto m = nlohmann::json::parse(R"({"metadata": {"name": "m"}, "spec": {
      "database": {"secretRef": {"name": "db"}},
      "backfill": {"table": "", "keyColumn": "id", "set": "b = a, touched = touched + 1"},
      "verify": {"checksums": [{"name": "ab", "table": "", "keyColumn": "id", "old": "a",
                                "new": "b"}]}}})");
  m["spec"]["backfill"]["table"] = table;
  m["spec"]["verify"]["checksums"][0]["table"] = table;
  auto s = schemashift::migration::parse_spec(m);
  EXPECT_TRUE(s);
  return *s;
}

TEST_F(KeysAndNames, ASearchPathChangedAfterPlanDoesNotRedirectTheWork) {
  const std::string real = "sp_real_" + suffix_, decoy = "sp_decoy_" + suffix_;
  for (const auto& s : {real, decoy}) {
    exec("CREATE SCHEMA " + s);
    drops_.push_back("DROP SCHEMA " + s + " CASCADE");
    exec("CREATE TABLE " + s +
         ".items (id int PRIMARY KEY, a int, b int, touched int NOT NULL "
         "DEFAULT 0)");
    exec("INSERT INTO " + s + ".items (id, a) SELECT g, g FROM generate_series(1, 3000) g");
  }
  const std::string migration = "keys/path-" + suffix_;
  migrations_.push_back(migration);
  const auto spec = spec_for("items");
  {
    auto planner = runner_with_path(migration, real);
    ASSERT_TRUE(planner);
    auto o = planner->run({ActionKind::kPlan}, spec, {});
    ASSERT_TRUE(o.ok) << (o.findings.empty() ? o.error : o.findings[0]);
  }                                                              // the operator restarts ...
  auto runner = runner_with_path(migration, decoy + ",public");  // ... with another search_path
  ASSERT_TRUE(runner);
  bool complete = false;
  for (int i = 0; i < 50 && !complete; ++i) {
    auto o = runner->run({ActionKind::kBackfill}, spec, {});
    ASSERT_TRUE(o.ok) << o.error;
    complete = o.backfill.complete;
  }
  ASSERT_TRUE(complete);
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + real + ".items WHERE touched <> 1"), "0");
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + decoy + ".items WHERE touched <> 0"), "0");
  // Verify reads the planned table too: the decoy's b is all NULL and would fail.
  auto v = runner->run({ActionKind::kVerify}, spec, {});
  EXPECT_TRUE(v.ok);
  EXPECT_TRUE(v.verify_failures.empty()) << v.verify_failures[0];
}

TEST_F(KeysAndNames, TwoMigrationsRacingForOneTableExactlyOneWins) {
  const std::string t = "k_race_" + suffix_;
  exec("CREATE TABLE " + t + " (id int PRIMARY KEY, a int, b int, touched int NOT NULL DEFAULT 0)");
  drops_.push_back("DROP TABLE " + t);
  const auto spec = spec_for(t);
  for (int round = 0; round < 5; ++round) {
    const std::string a = "keys/race-a" + std::to_string(round) + "-" + suffix_,
                      b = "keys/race-b" + std::to_string(round) + "-" + suffix_;
    migrations_.push_back(a);
    migrations_.push_back(b);
    auto ra = runner_with_path(a, ""), rb = runner_with_path(b, "");
    ASSERT_TRUE(ra && rb);
    std::latch go(2);
    schemashift::migration::Outcome oa, ob;
    std::thread ta([&] {
      go.arrive_and_wait();
      oa = ra->run({ActionKind::kPlan}, spec, {});
    });
    std::thread tb([&] {
      go.arrive_and_wait();
      ob = rb->run({ActionKind::kPlan}, spec, {});
    });
    ta.join();
    tb.join();
    ASSERT_NE(oa.ok, ob.ok) << "round " << round << ": exactly one plan may pass; a: "
                            << (oa.findings.empty() ? oa.error : oa.findings[0])
                            << "; b: " << (ob.findings.empty() ? ob.error : ob.findings[0]);
    const auto& loser = oa.ok ? ob : oa;
    ASSERT_EQ(loser.findings.size(), 1u);
    EXPECT_NE(loser.findings[0].find("is held by migration " + (oa.ok ? a : b)), std::string::npos)
        << loser.findings[0];
    exec("UPDATE schemashift.migrations SET phase = 'Completed' WHERE name IN ('" + a + "', '" + b +
         "')");  // the winner finishes; the next round races afresh
  }
}

}  // namespace
