// Faults of the database under the backfill (docs/reliability.md, rows C2, C5 and C9), against
// real PostgreSQL. C2 and C9 break a server, so they run on one of the test's own (OwnPostgres),
// never the shared stack's. Judged outside the backfiller: a trigger the test installs counts
// every update of every row (touched), and the test's own checksum compares the filled column
// with its source; the checkpoint is read back by a fresh runner and compared with the rows.
//   C2: the server stopped (immediate, a crash) and started again mid-backfill,
//       SCHEMASHIFT_FAULT_C2_RESTARTS times (2 in make test, 10 in make faults); the runner
//       reconnects, takes the fence anew, re-reads its checkpoint and continues.
//   C9: the server turned read-only mid-run (ALTER SYSTEM default_transaction_read_only, reload,
//       the sessions terminated): batches fail with 25006 and nothing is recorded past the rows.
//   C5: 1,000 single-row inserts/s during a backfill on the stack's database; its duration
//       against an idle one of the same size, measured in the same run.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "pg/backfill.h"
#include "pg/fence.h"
#include "support/helpers.h"
#include "support/own_postgres.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::pg;
using Clock = std::chrono::steady_clock;
using schemashift::testing::OwnPostgres;
using schemashift::testing::scalar;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// The table and its counter: a BEFORE UPDATE trigger adds one to touched on every update, so
// a row updated twice (a redone batch) shows touched = 2 whatever the backfill's SET says.
void make_table(const std::string& dsn, const std::string& table, int rows) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  tx.exec0("CREATE TABLE " + table +
           " (id bigint PRIMARY KEY, amount_cents int NOT NULL, amount numeric(12,2), touched int "
           "NOT NULL DEFAULT 0)");
  tx.exec0("CREATE FUNCTION " + table +
           "_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := OLD.touched + "
           "1; RETURN NEW; END $$");
  tx.exec0("CREATE TRIGGER " + table + "_count BEFORE UPDATE ON " + table +
           " FOR EACH ROW EXECUTE FUNCTION " + table + "_count()");
  tx.exec0("INSERT INTO " + table + " (id, amount_cents) SELECT g * 2, g FROM generate_series(1, " +
           std::to_string(rows) + ") g");
  tx.exec0("ANALYZE " + table);
  tx.commit();
}

struct RowTally {
  std::string untouched, redone, checksum_mismatch;
};
RowTally tally(const std::string& dsn, const std::string& table) {
  pqxx::connection c(dsn);
  return {scalar(c, "SELECT count(*) FROM " + table + " WHERE touched = 0"),
          scalar(c, "SELECT count(*) FROM " + table + " WHERE touched > 1"),
          // The test's own checksum: the sums of source and filled column over filled rows.
          scalar(c, "SELECT (SELECT coalesce(sum(amount_cents), 0) FROM " + table +
                        " WHERE touched > 0) - (SELECT coalesce(sum(amount * 100), 0)::bigint "
                        "FROM " +
                        table + " WHERE touched > 0)")};
}

BackfillConfig config(const std::string& table, int max_batch) {
  return {.migration = "default/" + table,
          .table = table,
          .key_column = "id",
          .set = "amount = amount_cents / 100.0",
          .pending_where = "",
          .target_batch_duration = 20ms,
          .min_batch = 100,
          .max_batch = max_batch,
          .initial_batch = 300};
}

int c2_restarts() {
  const char* v = std::getenv("SCHEMASHIFT_FAULT_C2_RESTARTS");
  return v && *v ? std::atoi(v) : 2;
}

TEST(DatabaseFaults, ThePrimaryRestartedMidBackfillResumesFromTheCheckpoint) {
  RecordProperty("fault_row", "C2");
  OwnPostgres pg;
  const std::string table = "c2_" + unique_suffix();
  const int restarts = c2_restarts();
  make_table(pg.dsn(), table, 40000 * (restarts + 1));
  std::atomic<long> rows_done{0};
  std::atomic<bool> finished{false};
  std::atomic<Clock::rep> back_at{0};  // when the server last came back (0: not yet / seen)
  long worst_resume_ms = 0;
  int done_restarts = 0, reconnects = 0;
  std::string restart_error, fence_error;
  // The restarter: each time another ~30,000 rows are done, a crash stop and a start.
  std::thread restarter([&] {
    try {
      for (int i = 1; i <= restarts && !finished; ++i) {
        while (!finished && rows_done < 30000L * i) std::this_thread::sleep_for(5ms);
        if (finished) break;
        pg.stop("immediate");
        std::this_thread::sleep_for(500ms);
        pg.start();
        back_at = Clock::now().time_since_epoch().count();
        ++done_restarts;
        // The next restart only after the runner resumed from this one.
        while (!finished && back_at != 0) std::this_thread::sleep_for(5ms);
      }
    } catch (const std::exception& e) {
      restart_error = e.what();
    }
  });
  bool complete = false;
  const auto deadline = Clock::now() + 240s;
  while (!complete && Clock::now() < deadline) {
    try {
      pqxx::connection work(pg.dsn());
      pqxx::connection fence_conn(pg.dsn());
      auto fence = Fence::acquire(fence_conn, "default/" + table);
      if (!fence) {  // no ASSERT here: the restarter thread must be joined first
        fence_error = fence.error();
        break;
      }
      Backfiller bf(work, config(table, 2000), fence->epoch());
      bf.start();
      while (!complete) {
        const auto r = bf.run_batch();
        complete = r.complete;
        rows_done = bf.progress().rows_done;
        if (const auto b = back_at.load(); b != 0) {
          const auto since = Clock::now() - Clock::time_point(Clock::duration(b));
          worst_resume_ms =
              std::max<long>(worst_resume_ms,
                             std::chrono::duration_cast<std::chrono::milliseconds>(since).count());
          back_at = 0;
        }
      }
    } catch (const pqxx::broken_connection&) {
      ++reconnects;
      std::this_thread::sleep_for(100ms);
    } catch (const pqxx::sql_error&) {
      // "terminating connection", "the database system is starting up / shutting down"
      ++reconnects;
      std::this_thread::sleep_for(100ms);
    } catch (const pqxx::in_doubt_error&) {
      ++reconnects;
      std::this_thread::sleep_for(100ms);
    }
  }
  finished = true;
  restarter.join();
  const auto t = tally(pg.dsn(), table);
  RecordProperty("restarts", done_restarts);
  RecordProperty("reconnect_attempts", reconnects);
  RecordProperty("resume_ms", std::to_string(worst_resume_ms));
  RecordProperty("rows_missed", t.untouched);
  RecordProperty("rows_redone", t.redone);
  RecordProperty("checksum_mismatch", t.checksum_mismatch);
  EXPECT_EQ(restart_error, "");
  EXPECT_EQ(fence_error, "");
  EXPECT_TRUE(complete);
  EXPECT_EQ(done_restarts, restarts);
  EXPECT_EQ(t.untouched, "0");
  EXPECT_EQ(t.redone, "0");
  EXPECT_EQ(t.checksum_mismatch, "0");
  EXPECT_LE(worst_resume_ms, 30000) << "target: resumes <= 30 s after the database is back";
}

TEST(DatabaseFaults, ADatabaseTurnedReadOnlyStopsBatchesAndTheCheckpointMatchesTheRows) {
  RecordProperty("fault_row", "C9");
  OwnPostgres pg;
  const std::string table = "c9_" + unique_suffix();
  make_table(pg.dsn(), table, 100000);
  pqxx::connection admin(pg.dsn());
  {
    pqxx::connection work(pg.dsn()), fence_conn(pg.dsn());
    auto fence = Fence::acquire(fence_conn, "default/" + table);
    ASSERT_TRUE(fence) << fence.error();
    Backfiller bf(work, config(table, 1000), fence->epoch());
    bf.start();
    for (int i = 0; i < 20; ++i) bf.run_batch();
    // Mid-run: read-only for every new transaction, the open sessions terminated.
    pqxx::nontransaction(admin).exec0("ALTER SYSTEM SET default_transaction_read_only = on");
    pqxx::nontransaction(admin).exec("SELECT pg_reload_conf()");
    std::this_thread::sleep_for(300ms);
    pqxx::nontransaction(admin).exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
        "current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  }
  // Runners after the change: each batch refused as read-only (25006), never recorded.
  int refused = 0;
  std::string other;
  for (int i = 0; i < 5; ++i) {
    try {
      pqxx::connection work(pg.dsn()), fence_conn(pg.dsn());
      auto fence = Fence::acquire(fence_conn, "default/" + table);
      if (!fence) {
        ++refused;  // the fence itself is a write: refused the same way
        continue;
      }
      Backfiller bf(work, config(table, 1000), fence->epoch());
      bf.start();
      bf.run_batch();
      other = "a batch ran on a read-only database";
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() == "25006")
        ++refused;
      else
        other = e.what();
    }
  }
  const std::string filled = scalar(admin, "SELECT count(*) FROM " + table + " WHERE touched > 0");
  pqxx::nontransaction(admin).exec0("ALTER SYSTEM RESET default_transaction_read_only");
  pqxx::nontransaction(admin).exec("SELECT pg_reload_conf()");
  std::this_thread::sleep_for(300ms);
  // The checkpoint, as a fresh runner reads it, against the rows that committed.
  pqxx::connection work(pg.dsn()), fence_conn(pg.dsn());
  auto fence = Fence::acquire(fence_conn, "default/" + table);
  ASSERT_TRUE(fence) << fence.error();
  Backfiller bf(work, config(table, 1000), fence->epoch());
  const auto resumed = bf.start();
  RecordProperty("batches_refused", refused);
  RecordProperty("checkpoint_rows", std::to_string(resumed.rows_done));
  RecordProperty("rows_committed", filled);
  EXPECT_EQ(other, "");
  EXPECT_EQ(refused, 5);
  EXPECT_EQ(std::to_string(resumed.rows_done), filled)
      << "the checkpoint must neither pass nor trail the committed rows";
  bf.run_for(120s);
  const auto t = tally(pg.dsn(), table);
  RecordProperty("rows_missed", t.untouched);
  RecordProperty("rows_redone", t.redone);
  EXPECT_TRUE(bf.progress().complete);
  EXPECT_EQ(t.untouched, "0");
  EXPECT_EQ(t.redone, "0");
  EXPECT_EQ(t.checksum_mismatch, "0");
}

// One backfill of `rows` on the stack's orders database; its wall time in ms.
long timed_backfill(const std::string& table) {
  pqxx::connection work(stack_var("PG_ORDERS_DSN")), fence_conn(stack_var("PG_ORDERS_DSN"));
  auto fence = Fence::acquire(fence_conn, "default/" + table);
  if (!fence) throw std::runtime_error(fence.error());
  Backfiller bf(work, config(table, 20000), fence->epoch());
  const auto t0 = Clock::now();
  bf.start();
  bf.run_for(300s);
  if (!bf.progress().complete) throw std::runtime_error("backfill did not complete");
  return ms_since(t0);
}

TEST(DatabaseFaults, ABackfillUnder1000InsertsPerSecondEndsWithin1_5xIdle) {
  RecordProperty("fault_row", "C5");
  const std::string dsn = stack_var("PG_ORDERS_DSN");
  const std::string idle = "c5i_" + unique_suffix(), loaded = "c5l_" + unique_suffix();
  constexpr int kRows = 300000;
  make_table(dsn, idle, kRows);
  make_table(dsn, loaded, kRows);
  const long idle_ms = timed_backfill(idle);
  // Open loop: two writers, each 500 single-row inserts/s on its schedule (new keys above the
  // backfill's range, as an application's would be).
  std::atomic<bool> stop{false};
  std::atomic<long> inserted{0}, errors{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      pqxx::connection c(dsn);
      const auto t0 = Clock::now();
      for (long k = 0; !stop; ++k) {
        std::this_thread::sleep_until(t0 + std::chrono::microseconds(2000 * k));
        try {
          pqxx::nontransaction(c).exec_params0(
              "INSERT INTO " + loaded + " (id, amount_cents) VALUES ($1, 1)",
              10000000L + k * 2 + w);
          ++inserted;
        } catch (const std::exception&) {
          ++errors;
        }
      }
    });
  std::this_thread::sleep_for(1s);
  const long before = inserted;
  const auto t_load = Clock::now();
  const long loaded_ms = timed_backfill(loaded);
  const double rate = double(inserted - before) * 1000.0 / double(std::max(1L, ms_since(t_load)));
  stop = true;
  for (auto& t : writers) t.join();
  const auto ti = tally(dsn, idle), tl = tally(dsn, loaded);
  pqxx::connection admin(dsn);
  const std::string in_scope_untouched =
      scalar(admin, "SELECT count(*) FROM " + loaded +
                        " WHERE touched = 0 AND id <= " + std::to_string(2 * kRows));
  for (const auto& t : {idle, loaded}) {
    pqxx::work tx(admin);
    tx.exec0("DROP TABLE " + t);
    tx.exec0("DROP FUNCTION " + t + "_count()");
    tx.exec_params0("DELETE FROM schemashift.migrations WHERE name = $1", "default/" + t);
    tx.commit();
  }
  RecordProperty("idle_ms", std::to_string(idle_ms));
  RecordProperty("loaded_ms", std::to_string(loaded_ms));
  RecordProperty("ratio_x100", std::to_string(loaded_ms * 100 / std::max(1L, idle_ms)));
  RecordProperty("inserts_per_s", std::to_string(long(rate)));
  RecordProperty("insert_errors", std::to_string(errors.load()));
  EXPECT_EQ(ti.untouched, "0");
  EXPECT_EQ(in_scope_untouched, "0");
  EXPECT_EQ(tl.redone, "0");
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GE(rate, 900.0) << "the load must be what the row says";
  EXPECT_LE(loaded_ms * 10, idle_ms * 15) << "target: <= 1.5x the idle duration";
}

}  // namespace
