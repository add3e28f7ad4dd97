// PostgreSQL is real and replicated: a row written on the primary is read on the streaming
// replica once replayed, replay lag is read from pg_stat_replication, and pg_stat_statements
// is loaded.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using schemashift::testing::scalar;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;
using Clock = std::chrono::steady_clock;

// Polls `sql` on `c` until it returns `want`, for up to `timeout`.
bool eventually_equals(pqxx::connection& c, const std::string& sql, const std::string& want,
                       std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (scalar(c, sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(PostgresSmoke, RowWrittenOnPrimaryIsReadOnReplicaAfterReplay) {
  pqxx::connection primary(stack_var("PG_ORDERS_DSN"));
  pqxx::connection replica(stack_var("PG_REPLICA_ORDERS_DSN"));
  ASSERT_EQ(scalar(replica, "select pg_is_in_recovery()"), "t") << "the replica must be a standby";
  ASSERT_EQ(scalar(primary, "select pg_is_in_recovery()"), "f");

  const std::string token = "smoke-" + unique_suffix();
  std::string lsn;
  {
    pqxx::work tx(primary);
    tx.exec0(
        "create table if not exists smoke_replication (id bigserial primary key, token text not "
        "null)");
    tx.exec0("insert into smoke_replication (token) values (" + tx.quote(token) + ")");
    tx.commit();
  }
  lsn = scalar(primary, "select pg_current_wal_lsn()");

  // Replayed at or past the commit's LSN, the row must be visible on the replica.
  ASSERT_TRUE(eventually_equals(replica, "select pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn",
                                "t", std::chrono::seconds(10)))
      << "the replica did not replay up to " << lsn;
  EXPECT_EQ(scalar(replica, "select count(*) from smoke_replication where token = '" + token + "'"),
            "1");

  // And the replica refuses writes.
  pqxx::work tx(replica);
  EXPECT_THROW(tx.exec0("insert into smoke_replication (token) values ('x')"), pqxx::sql_error);
}

TEST(PostgresSmoke, ReplayLagIsReadFromPgStatReplicationAndGrowsWhileReplayIsPaused) {
  pqxx::connection primary(stack_var("PG_PRIMARY_DSN"));
  pqxx::connection replica(stack_var("PG_REPLICA_DSN"));
  const std::string lag_bytes =
      "select coalesce(sum(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), -1)::bigint "
      "from pg_stat_replication where state = 'streaming'";
  ASSERT_EQ(scalar(primary, "select count(*) from pg_stat_replication where state = 'streaming'"),
            "1");
  ASSERT_TRUE(eventually_equals(primary, lag_bytes, "0", std::chrono::seconds(10)));

  scalar(replica, "select pg_wal_replay_pause()");
  ASSERT_TRUE(eventually_equals(replica, "select pg_get_wal_replay_pause_state()", "paused",
                                std::chrono::seconds(10)));
  {
    pqxx::work tx(primary);
    tx.exec0("create table if not exists smoke_lag (id bigserial primary key, pad text)");
    tx.exec0("insert into smoke_lag (pad) select repeat('x', 200) from generate_series(1, 5000)");
    tx.commit();
  }
  // WAL reaches the replica but is not replayed: byte lag is positive and stays so.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  long long lag = 0;
  while (Clock::now() < deadline && lag <= 0) {
    lag = std::stoll(scalar(primary, lag_bytes));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(lag, 100000) << "5000 rows of 200 bytes must show as replay lag while replay is paused";

  scalar(replica, "select pg_wal_replay_resume()");
  EXPECT_TRUE(eventually_equals(primary, lag_bytes, "0", std::chrono::seconds(15)))
      << "lag must drain on resume";
}

TEST(PostgresSmoke, PgStatStatementsIsLoadedInEveryServiceDatabase) {
  for (const char* var : {"PG_ORDERS_DSN", "PG_CUSTOMERS_DSN", "PG_FULFILLMENT_DSN"}) {
    pqxx::connection c(stack_var(var));
    EXPECT_EQ(
        scalar(c, "select count(*) > 0 from pg_extension where extname = 'pg_stat_statements'"),
        "t")
        << var;
    EXPECT_NO_THROW(scalar(c, "select count(*) from pg_stat_statements")) << var;
  }
}

}  // namespace
