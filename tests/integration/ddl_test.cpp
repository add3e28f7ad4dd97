// DDL against the real PostgreSQL: with a long reader holding the table, ADD COLUMN waits by
// retrying under a short lock_timeout instead of queueing (writers keep writing), and lands
// once the reader is gone; when the budget runs out it fails naming the blocker; a syntax
// error is not retried; CONCURRENTLY runs outside a transaction and is idempotent; a stale
// epoch is fenced out; without a budget a lock not granted returns at once (the queue retries);
// CREATE INDEX CONCURRENTLY is not cancelled by statement_timeout.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "pg/ddl.h"
#include "pg/fence.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::pg;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;
using Clock = std::chrono::steady_clock;

class DdlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = "ddl_" + unique_suffix();
    pqxx::work tx(conn_);
    tx.exec0("CREATE TABLE " + table_ + " (id bigserial PRIMARY KEY, v int)");
    tx.exec0("INSERT INTO " + table_ + " (v) SELECT g FROM generate_series(1, 1000) g");
    tx.commit();
    fence_ = std::make_unique<Fence>(*Fence::acquire(fence_conn_, "default/" + table_));
  }
  void TearDown() override {
    pqxx::work tx(conn_);
    tx.exec0("DROP TABLE IF EXISTS " + table_);
    tx.exec_params0("DELETE FROM schemashift.migrations WHERE name = $1", "default/" + table_);
    tx.commit();
  }
  DdlConfig config() { return {.migration = fence_->migration(), .epoch = fence_->epoch()}; }

  // Holds ACCESS SHARE on the table for `hold` from another session.
  std::thread long_reader(std::chrono::milliseconds hold, std::atomic<bool>& holding) {
    return std::thread([this, hold, &holding] {
      pqxx::connection r(stack_var("PG_ORDERS_DSN"));
      pqxx::work tx(r);
      tx.exec("SELECT count(*) FROM " + table_);
      holding = true;
      std::this_thread::sleep_for(hold);
      tx.commit();
    });
  }

  pqxx::connection conn_{stack_var("PG_ORDERS_DSN")};
  pqxx::connection fence_conn_{stack_var("PG_ORDERS_DSN")};
  std::unique_ptr<Fence> fence_;
  std::string table_;
};

TEST_F(DdlTest, AddColumnBehindALongReaderRetriesWithoutStallingWriters) {
  std::atomic<bool> holding{false}, stop{false};
  std::thread reader = long_reader(1500ms, holding);
  while (!holding) std::this_thread::sleep_for(5ms);
  std::atomic<long long> worst_us{0};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    pqxx::connection w(stack_var("PG_ORDERS_DSN"));
    while (!stop) {
      const auto t0 = Clock::now();
      pqxx::work tx(w);
      tx.exec0("INSERT INTO " + table_ + " (v) VALUES (1)");
      tx.commit();
      worst_us = std::max<long long>(
          worst_us,
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
      ++writes;
      std::this_thread::sleep_for(5ms);
    }
  });
  auto r =
      apply_ddl(conn_, "ALTER TABLE " + table_ + " ADD COLUMN IF NOT EXISTS note text", config());
  stop = true;
  writer.join();
  reader.join();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->attempts, 1) << "the first attempts must time out behind the reader";
  EXPECT_GE(r->took, 1000ms);
  ASSERT_FALSE(r->blockers.empty());
  EXPECT_NE(r->blockers[0].find("SELECT count(*) FROM " + table_), std::string::npos)
      << r->blockers[0];
  EXPECT_GT(writes.load(), 20) << "writers kept writing while the DDL waited";
  EXPECT_LT(worst_us.load(), 1000000)
      << "no writer queued behind the DDL for the reader's whole 1.5 s";
}

TEST_F(DdlTest, WhenTheBudgetRunsOutItFailsRetriablyNamingTheBlocker) {
  std::atomic<bool> holding{false};
  std::thread reader = long_reader(2500ms, holding);
  while (!holding) std::this_thread::sleep_for(5ms);
  auto cfg = config();
  cfg.budget = 600ms;
  auto r = apply_ddl(conn_, "ALTER TABLE " + table_ + " ADD COLUMN IF NOT EXISTS note text", cfg);
  reader.join();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().retriable);
  EXPECT_EQ(r.error().sqlstate, "55P03");
  EXPECT_NE(r.error().message.find("lock not granted within 100ms"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("blocked by pid"), std::string::npos) << r.error().message;
  auto longs = long_transactions_on(conn_, table_, 0s);
  EXPECT_TRUE(longs.empty()) << "the reader is gone";
}

TEST_F(DdlTest, ASyntaxErrorIsNotRetried) {
  auto r = apply_ddl(conn_, "ALTER TABLE " + table_ + " ADD COLUM broken int", config());
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().retriable);
  EXPECT_EQ(r.error().sqlstate, "42601");
  EXPECT_EQ(r.error().report.attempts, 1);
}

TEST_F(DdlTest, ConcurrentlyRunsOutsideATransactionAndIsIdempotent) {
  const std::string sql =
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS " + table_ + "_v ON " + table_ + " (v)";
  EXPECT_TRUE(is_concurrently(sql));
  auto first = apply_ddl(conn_, sql, config());
  ASSERT_TRUE(first) << first.error().message;
  auto again = apply_ddl(conn_, sql, config());
  ASSERT_TRUE(again) << again.error().message;
  pqxx::nontransaction nt(conn_);
  EXPECT_EQ(nt.exec("SELECT count(*) FROM pg_indexes WHERE indexname = '" + table_ + "_v'")[0][0]
                .as<int>(),
            1);
}

TEST_F(DdlTest, AStaleEpochIsFencedOut) {
  auto cfg = config();
  cfg.epoch -= 1;
  EXPECT_THROW((void)apply_ddl(conn_, "ALTER TABLE " + table_ + " ADD COLUMN x int", cfg),
               FencedOut);
  pqxx::nontransaction nt(conn_);
  EXPECT_EQ(nt.exec("SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                    table_ + "' AND column_name = 'x'")[0][0]
                .as<int>(),
            0);
}

}  // namespace

namespace {

// With no budget (how the operator calls it) a lock that is not granted is one attempt and a
// retriable failure at once: the work queue retries it with its backoff, no worker sleeps.
TEST_F(DdlTest, WithoutABudgetALockNotGrantedReturnsAtOnceForTheQueueToRetry) {
  std::atomic<bool> holding{false};
  std::thread reader = long_reader(1500ms, holding);
  while (!holding) std::this_thread::sleep_for(5ms);
  auto cfg = config();
  cfg.budget = 0ms;
  const auto t0 = Clock::now();
  auto r = apply_ddl(conn_, "ALTER TABLE " + table_ + " ADD COLUMN IF NOT EXISTS note text", cfg);
  const auto took = Clock::now() - t0;
  reader.join();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().retriable);
  EXPECT_EQ(r.error().report.attempts, 1);
  EXPECT_LT(took, 700ms) << "it waited inside the call";
  EXPECT_NE(r.error().message.find("blocked by pid"), std::string::npos) << r.error().message;
}

// CREATE INDEX CONCURRENTLY takes as long as the table needs: the DDL statement_timeout (here
// 100 ms) does not cancel it.
TEST_F(DdlTest, CreateIndexConcurrentlyIsNotCancelledByTheStatementTimeout) {
  {
    pqxx::work tx(conn_);
    tx.exec0("CREATE FUNCTION " + table_ +
             "_slow(v int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM "
             "pg_sleep(0.0005); RETURN v; END $$");
    tx.commit();
  }
  auto cfg = config();
  cfg.statement_timeout = 100ms;
  const auto t0 = Clock::now();
  auto r = apply_ddl(conn_,
                     "CREATE INDEX CONCURRENTLY " + table_ + "_slow_idx ON " + table_ + " ((" +
                         table_ + "_slow(v)))",
                     cfg);
  const auto took = Clock::now() - t0;
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attempts, 1);
  EXPECT_GT(took, 300ms) << "the build must outlast the timeout for this to show anything";
  pqxx::nontransaction nt(conn_);
  EXPECT_EQ(nt.exec("SELECT indisvalid FROM pg_index WHERE indexrelid = '" + table_ +
                    "_slow_idx'::regclass")[0][0]
                .as<bool>(),
            true);
  nt.exec0("DROP INDEX " + table_ + "_slow_idx");
  nt.exec0("DROP FUNCTION " + table_ + "_slow(int)");
}

}  // namespace
