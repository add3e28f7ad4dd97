// The backfill against the real PostgreSQL: it completes; under concurrent inserts it still
// finishes (only rows that existed at the start are in scope); killed mid-way it resumes from
// its checkpoint with no row missed and none redone; a fenced-out runner's batches fail; a
// bad SET expression rolls its batch back. Every row counts its updates (touched), so
// "nothing missed, nothing redone" is exactly "every in-scope row has touched = 1".
#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "pg/backfill.h"
#include "pg/fence.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::pg;
using schemashift::testing::scalar;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

class BackfillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = "bf_" + unique_suffix();
    migration_ = "default/" + table_;
    pqxx::work tx(conn_);
    tx.exec0("CREATE TABLE " + table_ +
             " (id bigserial PRIMARY KEY, amount_cents int NOT NULL, amount numeric(12,2), touched "
             "int NOT NULL DEFAULT 0)");
    // Gaps in the keys, as real tables have after deletes.
    tx.exec0("INSERT INTO " + table_ +
             " (id, amount_cents) SELECT g * 3, g FROM generate_series(1, 50000) g");
    tx.exec("SELECT setval(pg_get_serial_sequence('" + table_ + "', 'id'), 150000)");
    tx.exec0("ANALYZE " + table_);
    tx.commit();
  }
  void TearDown() override {
    pqxx::work tx(conn_);
    tx.exec0("DROP TABLE IF EXISTS " + table_);
    tx.exec_params0("DELETE FROM schemashift.migrations WHERE name = $1", migration_);
    tx.commit();
  }
  BackfillConfig config() {
    return {.migration = migration_,
            .table = table_,
            .key_column = "id",
            .set = "amount = amount_cents / 100.0, touched = touched + 1",
            .pending_where = "",
            .target_batch_duration = 50ms,
            .min_batch = 100,
            .max_batch = 5000,
            .initial_batch = 500};
  }

  pqxx::connection conn_{stack_var("PG_ORDERS_DSN")};
  std::string table_, migration_;
};

TEST_F(BackfillTest, FillsEveryRowOnceAndRecordsProgress) {
  pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
  auto fence = Fence::acquire(fence_conn, migration_);
  ASSERT_TRUE(fence) << fence.error();
  Backfiller bf(conn_, config(), fence->epoch());
  auto start = bf.start();
  EXPECT_EQ(start.rows_estimated, 50000);
  int batches = 0;
  while (!bf.run_batch().complete) ++batches;
  EXPECT_EQ(bf.progress().rows_done, 50000);
  EXPECT_GT(batches, 5) << "done in batches, not in one statement";
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + table_ +
                              " WHERE touched <> 1 OR amount * 100 <> amount_cents"),
            "0");
  EXPECT_EQ(
      scalar(
          conn_,
          "SELECT checkpoint->'backfill'->>'complete' FROM schemashift.migrations WHERE name = '" +
              migration_ + "'"),
      "true");
}

TEST_F(BackfillTest, ARoundsRateCountsItsDutyCyclePauses) {
  pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
  auto fence = Fence::acquire(fence_conn, migration_);
  ASSERT_TRUE(fence) << fence.error();
  BackfillConfig cfg = config();
  cfg.duty_cycle = 0.25;  // three times as long paused as in batches
  Backfiller bf(conn_, cfg, fence->epoch());
  bf.start();
  const auto t0 = std::chrono::steady_clock::now();
  const auto p = bf.run_for(1500ms, {});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_GT(p.rows_done, 0);
  // What the test saw: rows over its own clock. The reported rate may not exceed it (a rate
  // from the batches alone would be about four times as high).
  const double seen = static_cast<double>(p.rows_done) / secs;
  EXPECT_LE(p.rows_per_second, seen * 1.1) << p.rows_done << " rows in " << secs << " s";
  EXPECT_GE(p.rows_per_second, seen * 0.5) << p.rows_done << " rows in " << secs << " s";
}

TEST_F(BackfillTest, FinishesUnderInsertLoadAndLeavesNewRowsToTheApplication) {
  pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
  auto fence = Fence::acquire(fence_conn, migration_);
  ASSERT_TRUE(fence);
  Backfiller bf(conn_, config(), fence->epoch());
  bf.start();
  std::atomic<bool> stop{false};
  std::atomic<int> inserted{0};
  std::thread writer([&] {
    pqxx::connection w(stack_var("PG_ORDERS_DSN"));
    while (!stop) {
      pqxx::work tx(w);
      tx.exec0("INSERT INTO " + table_ +
               " (amount_cents, amount) VALUES (250, 2.50)");  // a dual-writer
      tx.commit();
      ++inserted;
    }
  });
  auto p = bf.run_for(60s);
  stop = true;
  writer.join();
  ASSERT_TRUE(p.complete) << "the backfill must not chase rows inserted after it began";
  EXPECT_GT(inserted.load(), 10);
  EXPECT_EQ(
      scalar(conn_, "SELECT count(*) FROM " + table_ + " WHERE id <= 150000 AND touched <> 1"),
      "0");
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + table_ + " WHERE id > 150000 AND touched <> 0"),
            "0");
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + table_ + " WHERE amount IS NULL"), "0");
}

TEST_F(BackfillTest, ResumesAfterACrashWithNothingMissedAndNothingRedone) {
  {
    auto crashed = std::make_unique<pqxx::connection>(stack_var("PG_ORDERS_DSN"));
    auto fence_conn = std::make_unique<pqxx::connection>(stack_var("PG_ORDERS_DSN"));
    auto fence = Fence::acquire(*fence_conn, migration_);
    ASSERT_TRUE(fence);
    Backfiller bf(*crashed, config(), fence->epoch());
    bf.start();
    for (int i = 0; i < 7; ++i) bf.run_batch();
    ASSERT_FALSE(bf.progress().complete);
    // The runner dies: both its connections go away (and with them the advisory lock).
  }
  pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
  auto fence = Fence::acquire(fence_conn, migration_);
  ASSERT_TRUE(fence) << fence.error();
  EXPECT_EQ(fence->epoch(), 2);
  Backfiller bf(conn_, config(), fence->epoch());
  auto resumed = bf.start();
  EXPECT_GT(resumed.rows_done, 0) << "resumed from the checkpoint, not from the start";
  bf.run_for(60s);
  EXPECT_EQ(bf.progress().rows_done, 50000);
  EXPECT_EQ(scalar(conn_, "SELECT min(touched) || '/' || max(touched) FROM " + table_), "1/1");
}

TEST_F(BackfillTest, OnlyOneRunnerHoldsTheFenceAndAStaleRunnersBatchesFail) {
  auto a_fence_conn = std::make_unique<pqxx::connection>(stack_var("PG_ORDERS_DSN"));
  auto a_fence = Fence::acquire(*a_fence_conn, migration_);
  ASSERT_TRUE(a_fence);
  pqxx::connection a_conn(stack_var("PG_ORDERS_DSN"));
  Backfiller a(a_conn, config(), a_fence->epoch());
  a.start();
  a.run_batch();

  pqxx::connection b_fence_conn(stack_var("PG_ORDERS_DSN"));
  auto refused = Fence::acquire(b_fence_conn, migration_);
  ASSERT_FALSE(refused) << "a second runner must not get the fence while the first holds it";
  EXPECT_NE(refused.error().find("is being run by backend pid"), std::string::npos)
      << refused.error();

  a_fence_conn.reset();  // A's session is gone (e.g. its network was cut): its lock is released
  // ... once the server has ended A's backend, which happens just after the client hangs up.
  auto b_fence = Fence::acquire(b_fence_conn, migration_);
  for (int i = 0; i < 250 && !b_fence; ++i) {
    std::this_thread::sleep_for(20ms);
    b_fence = Fence::acquire(b_fence_conn, migration_);
  }
  ASSERT_TRUE(b_fence) << b_fence.error();
  EXPECT_GT(b_fence->epoch(), a_fence->epoch());
  EXPECT_THROW(a.run_batch(), FencedOut) << "A still runs, but its next batch must fail";

  pqxx::connection b_conn(stack_var("PG_ORDERS_DSN"));
  Backfiller b(b_conn, config(), b_fence->epoch());
  b.start();
  b.run_for(60s);
  EXPECT_EQ(scalar(conn_, "SELECT min(touched) || '/' || max(touched) FROM " + table_), "1/1");
}

TEST_F(BackfillTest, AFailingBatchIsRolledBackWithItsCheckpoint) {
  pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
  auto fence = Fence::acquire(fence_conn, migration_);
  ASSERT_TRUE(fence);
  auto cfg = config();
  cfg.set = "amount = amount_cents / 0";
  Backfiller bf(conn_, cfg, fence->epoch());
  bf.start();
  EXPECT_THROW(bf.run_batch(), pqxx::sql_error);
  EXPECT_EQ(
      scalar(
          conn_,
          "SELECT checkpoint->'backfill'->>'rowsDone' FROM schemashift.migrations WHERE name = '" +
              migration_ + "'"),
      "0");
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + table_ + " WHERE amount IS NOT NULL"), "0");
}

}  // namespace
