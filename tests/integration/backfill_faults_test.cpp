// Faults under the backfill (docs/reliability.md, rows C1 and C8), against the real PostgreSQL.
// C1: the backfill's connection is terminated by the server at random points, mid-batch or
// between batches; each time the runner goes, as the reconciler drops an unhealthy one, and a
// new one takes the fence and resumes from the checkpoint. C8: a lock held on the rows a batch
// wants makes it time out (its lock_timeout, or the session's statement_timeout); the batch is
// rolled back and retried. Judged by the rows themselves: every row counts its updates (touched),
// so "nothing missed, nothing redone" is "every in-scope row has touched = 1", and a completion is
// only taken as one when no row is left untouched.
#include <atomic>
#include <random>
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

constexpr int kRows = 200000;

class BackfillFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = "bff_" + unique_suffix();
    migration_ = "default/" + table_;
    pqxx::work tx(admin_);
    tx.exec0("CREATE TABLE " + table_ +
             " (id bigint PRIMARY KEY, amount_cents int NOT NULL, amount numeric(12,2), touched "
             "int NOT NULL DEFAULT 0)");
    tx.exec0("INSERT INTO " + table_ +
             " (id, amount_cents) SELECT g * 2, g FROM generate_series(1, " +
             std::to_string(kRows) + ") g");
    tx.exec0("ANALYZE " + table_);
    tx.commit();
  }
  void TearDown() override {
    pqxx::work tx(admin_);
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
            .target_batch_duration = 20ms,
            .min_batch = 100,
            .max_batch = 500,  // at least 400 batches: 50 kills land before the end
            .initial_batch = 300};
  }
  std::string untouched() {
    return scalar(admin_, "SELECT count(*) FROM " + table_ + " WHERE touched = 0");
  }
  std::string wrong() {
    return scalar(admin_,
                  "SELECT count(*) FROM " + table_ +
                      " WHERE touched > 1 OR (touched = 1 AND amount * 100 <> amount_cents)");
  }

  pqxx::connection admin_{stack_var("PG_ORDERS_DSN")};
  std::string table_, migration_;
};

TEST_F(BackfillFaults, TheConnectionTerminatedAt50RandomPointsMissesAndRedoesNoRow) {
  RecordProperty("fault_row", "C1");
  std::mt19937 rng(20261202);
  std::uniform_int_distribution<int> delay_us(0, 25000);
  int kills = 0, premature = 0, runners = 0, in_doubt = 0;
  std::string killer_error, other_error;
  bool complete = false;
  while (!complete && runners < 500) {
    ++runners;
    // A runner: its own work and fence connections, the fence taken afresh (a new epoch).
    pqxx::connection work(stack_var("PG_ORDERS_DSN"));
    pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
    auto fence = Fence::acquire(fence_conn, migration_);
    ASSERT_TRUE(fence) << fence.error();
    Backfiller bf(work, config(), fence->epoch());
    bf.start();
    std::atomic<bool> stop{false};
    std::thread killer;
    if (kills < 50) {
      const int pid = work.backendpid();
      const auto wait = std::chrono::microseconds(delay_us(rng));
      killer = std::thread([&, pid, wait] {
        std::this_thread::sleep_for(wait);
        if (stop) return;
        try {
          pqxx::connection k(stack_var("PG_ORDERS_DSN"));
          pqxx::nontransaction(k).exec_params("SELECT pg_terminate_backend($1)", pid);
        } catch (const std::exception& e) {
          killer_error = e.what();
        }
      });
      ++kills;
    }
    try {
      while (!complete) complete = bf.run_batch().complete;
    } catch (const pqxx::broken_connection&) {
      // What the reconciler sees as an unhealthy runner: dropped, a new one made.
    } catch (const pqxx::in_doubt_error&) {
      // Lost while committing: the batch and its checkpoint committed together or not at all,
      // and the next runner reads which from the checkpoint (the rows below prove it).
      ++in_doubt;
    } catch (const pqxx::sql_error&) {
      // Terminated while a statement ran ("terminating connection due to administrator
      // command" can arrive as an error before the connection is seen broken).
    } catch (const std::exception& e) {
      other_error = e.what();
    }
    stop = true;
    if (killer.joinable()) killer.join();
    if (complete && untouched() != "0") ++premature;
    ASSERT_EQ(killer_error, "");
    ASSERT_EQ(other_error, "") << "only the lost connection may stop a runner";
  }
  RecordProperty("kills", kills);
  RecordProperty("commits_in_doubt", in_doubt);
  RecordProperty("rows_missed", untouched());
  RecordProperty("rows_wrong", wrong());
  EXPECT_EQ(kills, 50);
  EXPECT_TRUE(complete) << "after " << runners << " runners";
  EXPECT_EQ(premature, 0) << "an error must never be taken for the end of the data";
  EXPECT_EQ(untouched(), "0") << "rows missed";
  EXPECT_EQ(wrong(), "0") << "rows redone or wrong";
  EXPECT_GT(runners, 40) << "most kills must have cost the runner its connection";
}

TEST_F(BackfillFaults, ABatchThatTimesOutBehindALockIsRolledBackAndRetried) {
  RecordProperty("fault_row", "C8");
  pqxx::connection work(stack_var("PG_ORDERS_DSN"));
  pqxx::connection fence_conn(stack_var("PG_ORDERS_DSN"));
  auto fence = Fence::acquire(fence_conn, migration_);
  ASSERT_TRUE(fence) << fence.error();
  pqxx::nontransaction(work).exec0("SET statement_timeout = '300ms'");
  Backfiller bf(work, config(), fence->epoch());
  bf.start();
  for (int i = 0; i < 5; ++i) bf.run_batch();
  const auto done_before = bf.progress().rows_done;
  // Another session locks rows the next batch needs and keeps them for a second.
  pqxx::connection blocker(stack_var("PG_ORDERS_DSN"));
  pqxx::work hold(blocker);
  hold.exec("SELECT 1 FROM " + table_ + " WHERE touched = 0 FOR UPDATE");
  int timeouts = 0;
  for (int i = 0; i < 3; ++i) {
    try {
      bf.run_batch();
      ADD_FAILURE() << "a batch ran through rows another session holds";
    } catch (const pqxx::sql_error& e) {
      // The batch's own lock_timeout (55P03), or the session's statement_timeout (57014).
      EXPECT_TRUE(e.sqlstate() == "55P03" || e.sqlstate() == "57014") << e.what();
      ++timeouts;
    }
  }
  EXPECT_EQ(bf.progress().rows_done, done_before) << "no progress recorded for a failed batch";
  EXPECT_EQ(scalar(admin_, "SELECT count(*) FROM " + table_ + " WHERE touched > 0"),
            std::to_string(done_before))
      << "a timed-out batch leaves nothing behind";
  hold.abort();
  bf.run_for(60s);
  RecordProperty("retries", timeouts);
  EXPECT_TRUE(bf.progress().complete);
  EXPECT_EQ(untouched(), "0");
  EXPECT_EQ(wrong(), "0");
}

}  // namespace
