// Trigger dual-write against the real PostgreSQL, driven the way the reconciler drives it:
// decide() asks, PgRunner carries out, apply_outcome() folds the result back. Two writers run
// throughout: one that knows only the old column (amount_cents) and, once the trigger is in,
// one that knows only the new (amount). Each records every increment and insert it committed,
// so the test computes the exact expected value of both columns for every row and compares;
// the trigger and its function are looked up in pg_trigger and pg_proc, not in the status.
#include <atomic>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/time.h"
#include "controller/pg_runner.h"
#include "migration/decide.h"
#include "pg/dual_write_trigger.h"
#include "support/helpers.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;
using namespace schemashift::migration;
using schemashift::controller::PgRunner;
using schemashift::testing::scalar;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

constexpr int kRows = 30000;

// What one writer committed: cents added per existing row, and the rows it inserted.
struct Ledger {
  std::map<std::int64_t, std::int64_t> added;
  std::map<std::int64_t, std::int64_t> inserted;  // id -> cents
  int errors = 0;
  std::string first_error;
  int updates = 0;
};

class DualWriteTriggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = "dw_" + unique_suffix();
    migration_ = "default/" + table_;
    pqxx::work tx(conn_);
    tx.exec0("CREATE TABLE " + table_ +
             " (id bigserial PRIMARY KEY, amount_cents int NOT NULL, note text)");
    tx.exec0("INSERT INTO " + table_ + " (amount_cents) SELECT g * 7 FROM generate_series(1, " +
             std::to_string(kRows) + ") g");
    tx.commit();
  }
  void TearDown() override {
    stop_ = true;
    for (auto* t : {&old_writer_, &new_writer_})
      if (t->joinable()) t->join();
    runner_.reset();
    pqxx::work tx(conn_);
    tx.exec0("DROP TABLE IF EXISTS " + table_);
    tx.exec_params0("DELETE FROM schemashift.migrations WHERE name = $1", migration_);
    tx.exec_params0("DELETE FROM schemashift.applied_steps WHERE migration = $1", migration_);
    tx.commit();
  }

  MigrationSpec spec() {
    MigrationSpec s;
    s.generation = 1;
    s.expand_sql = {"ALTER TABLE " + table_ + " ADD COLUMN IF NOT EXISTS amount numeric(12,2)"};
    s.backfill = BackfillSpec{table_, "id", "amount = amount_cents / 100.0", "amount IS NULL"};
    s.backfill->max_batch = 2000;
    s.dual_write = {DualWriteMode::kTrigger, table_,
                    "amount_cents",          "amount",
                    "amount_cents / 100.0",  "(amount * 100)::int"};
    s.checks = {
        {"amounts-match",
         "SELECT count(*) FROM " + table_ + " WHERE amount * 100 IS DISTINCT FROM amount_cents",
         "0"}};
    s.contract_sql = {"ALTER TABLE " + table_ + " DROP COLUMN amount_cents"};
    s.rollback_sql = {"ALTER TABLE " + table_ + " DROP COLUMN IF EXISTS amount"};
    s.approval = Approval::kManual;
    return s;
  }

  // Rounds of decide -> run -> apply_outcome until `phase` (or a terminal one).
  void run_to(const MigrationSpec& s, Phase phase) {
    if (!runner_) {
      auto r = PgRunner::connect(migration_, stack_var("PG_ORDERS_DSN"));
      ASSERT_TRUE(r) << r.error().message;
      runner_ = std::move(*r);
    }
    for (int i = 0; i < 500 && status_.phase != phase && !is_terminal(status_.phase); ++i) {
      auto d = decide(s, status_, {}, schemashift::rfc3339_now());
      status_ = d.status;
      for (const auto& a : d.actions) {
        auto o = runner_->run(a, s, status_);
        o.action = a;  // as the reconciler does
        status_ = apply_outcome(s, status_, o, schemashift::rfc3339_now());
        if (!o.ok) std::this_thread::sleep_for(50ms);
      }
      if (status_.dual_write_trigger == kTriggerInstalled && !new_writer_started_) {
        new_writer_started_ = true;
        start_new_writer();
      }
    }
    const Condition* ready = status_.condition("Ready");
    ASSERT_EQ(to_string(status_.phase), to_string(phase))
        << status_.last_error << " / " << (ready ? ready->message : "");
  }

  void start_old_writer() {
    old_writer_ = std::thread([this] {
      pqxx::connection c(stack_var("PG_ORDERS_DSN"));
      std::mt19937 rng(1);
      std::uniform_int_distribution<std::int64_t> id(1, kRows);
      for (int n = 0; !stop_; ++n) {
        try {
          pqxx::work tx(c);
          if (n % 10 == 9) {
            const std::int64_t cents = 1000 + n;
            auto r = tx.exec_params1(
                "INSERT INTO " + table_ + " (amount_cents) VALUES ($1) RETURNING id", cents);
            tx.commit();
            old_.inserted[r[0].as<std::int64_t>()] = cents;
          } else {
            const auto k = id(rng);
            tx.exec_params0(
                "UPDATE " + table_ + " SET amount_cents = amount_cents + 1 WHERE id = $1", k);
            tx.commit();
            ++old_.added[k];
            ++old_.updates;
          }
        } catch (const std::exception& e) {
          if (old_.errors++ == 0) old_.first_error = e.what();
        }
        std::this_thread::sleep_for(1ms);
      }
    });
  }

  void start_new_writer() {
    new_writer_ = std::thread([this] {
      pqxx::connection c(stack_var("PG_ORDERS_DSN"));
      std::mt19937 rng(2);
      std::uniform_int_distribution<std::int64_t> id(1, kRows);
      for (int n = 0; !stop_; ++n) {
        try {
          pqxx::work tx(c);
          if (n % 10 == 9) {
            const std::int64_t cents = 5000 + n;
            auto r = tx.exec_params1(
                "INSERT INTO " + table_ + " (amount) VALUES ($1::numeric / 100) RETURNING id",
                cents);
            tx.commit();
            new_.inserted[r[0].as<std::int64_t>()] = cents;
          } else {
            // A switched writer reads the new column; a row not yet backfilled has no value
            // for it to add to, so it leaves that row alone.
            const auto k = id(rng);
            auto r = tx.exec_params("UPDATE " + table_ +
                                        " SET amount = amount + 0.01 WHERE id = $1 AND amount IS "
                                        "NOT NULL",
                                    k);
            tx.commit();
            if (r.affected_rows() == 1) {
              ++new_.added[k];
              ++new_.updates;
            }
          }
        } catch (const std::exception& e) {
          if (new_.errors++ == 0) new_.first_error = e.what();
        }
        std::this_thread::sleep_for(1ms);
      }
    });
  }

  void stop_writers() {
    stop_ = true;
    for (auto* t : {&old_writer_, &new_writer_})
      if (t->joinable()) t->join();
  }

  // Rows of pg_trigger and pg_proc under the migration's trigger name.
  std::string leftovers() {
    const std::string name = schemashift::pg::dual_write_trigger_name(migration_);
    return scalar(conn_, "SELECT (SELECT count(*) FROM pg_trigger WHERE tgname = '" + name +
                             "') || '/' || (SELECT count(*) FROM pg_proc WHERE proname = '" + name +
                             "')");
  }

  pqxx::connection conn_{stack_var("PG_ORDERS_DSN")};
  std::string table_, migration_;
  std::unique_ptr<PgRunner> runner_;
  MigrationStatus status_;
  std::atomic<bool> stop_{false};
  std::thread old_writer_, new_writer_;
  bool new_writer_started_ = false;
  Ledger old_, new_;
};

TEST_F(DualWriteTriggerTest, OldAndNewWritersStayInExactParityAndContractLeavesNothing) {
  const MigrationSpec s = spec();
  start_old_writer();
  run_to(s, Phase::kAwaitingContract);
  // The trigger is installed with its search_path fixed, in the table's schema.
  const std::string name = schemashift::pg::dual_write_trigger_name(migration_);
  EXPECT_EQ(leftovers(), "1/1");
  const std::string schema =
      scalar(conn_, "SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = '" + table_ +
                        "'::regclass");
  EXPECT_EQ(scalar(conn_,
                   "SELECT n.nspname || ':' || array_to_string(p.proconfig, ';') FROM "
                   "pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE proname = '" +
                       name + "'"),
            schema + ":search_path=pg_catalog, pg_temp");
  std::this_thread::sleep_for(700ms);  // both writers keep going with the trigger in place
  stop_writers();
  ASSERT_EQ(old_.errors, 0) << old_.first_error;
  ASSERT_EQ(new_.errors, 0) << new_.first_error;
  EXPECT_GT(old_.updates, 100);
  EXPECT_GT(new_.updates, 50);
  EXPECT_GT(new_.inserted.size(), 5u);

  // The test's own expectation for every row, from what each writer committed.
  std::map<std::int64_t, std::int64_t> expected;
  for (std::int64_t g = 1; g <= kRows; ++g) expected[g] = g * 7;
  for (const auto* l : {&old_, &new_}) {
    for (auto [k, n] : l->added) expected[k] += n;
    for (auto [k, cents] : l->inserted) expected[k] = cents;
  }
  pqxx::result rows;
  {
    pqxx::nontransaction nt(conn_);
    rows = nt.exec("SELECT id, amount_cents, (amount * 100)::bigint FROM " + table_);
  }
  ASSERT_EQ(rows.size(), expected.size());
  int wrong_old = 0, wrong_new = 0;
  std::string first;
  for (const auto& r : rows) {
    const auto id = r[0].as<std::int64_t>();
    const auto want = expected.at(id);
    const bool old_ok = r[1].as<std::int64_t>() == want;
    const bool new_ok = !r[2].is_null() && r[2].as<std::int64_t>() == want;
    wrong_old += !old_ok;
    wrong_new += !new_ok;
    if ((!old_ok || !new_ok) && first.empty()) {
      first = "id " + std::to_string(id) + ": want " + std::to_string(want) + ", old " +
              r[1].c_str() + ", new " + (r[2].is_null() ? "NULL" : r[2].c_str());
    }
  }
  EXPECT_EQ(wrong_old, 0) << first;
  EXPECT_EQ(wrong_new, 0) << first;

  MigrationSpec approved = s;
  approved.approve = true;
  run_to(approved, Phase::kCompleted);
  EXPECT_EQ(leftovers(), "0/0") << "contract leaves no trigger and no function behind";
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                              table_ + "' AND column_name = 'amount_cents'"),
            "0");
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + table_), std::to_string(expected.size()))
      << "writes work after the trigger is gone";
}

TEST_F(DualWriteTriggerTest, RollbackLeavesNoTriggerAndNoFunction) {
  MigrationSpec s = spec();
  start_old_writer();
  run_to(s, Phase::kAwaitingContract);
  EXPECT_EQ(leftovers(), "1/1");
  std::this_thread::sleep_for(300ms);
  // Rolling back reverts the switched writer first (its column is about to go).
  stop_writers();
  stop_ = false;
  EXPECT_GT(new_.updates, 20);
  start_old_writer();
  s.abort = true;
  run_to(s, Phase::kRolledBack);
  EXPECT_EQ(leftovers(), "0/0");
  std::this_thread::sleep_for(200ms);  // the old writer goes on with the new column gone
  stop_writers();
  EXPECT_EQ(old_.errors, 0) << old_.first_error;
  EXPECT_EQ(new_.errors, 0) << new_.first_error;
  std::int64_t want = 0;
  for (std::int64_t g = 1; g <= kRows; ++g) want += g * 7;
  for (const auto* l : {&old_, &new_}) {
    for (auto [k, n] : l->added) want += n;
    for (auto [k, cents] : l->inserted) want += cents;
  }
  EXPECT_EQ(scalar(conn_, "SELECT sum(amount_cents) FROM " + table_), std::to_string(want))
      << "every write of both writers is in the old column";
}

TEST_F(DualWriteTriggerTest, AMissingColumnFailsTheInstallByName) {
  MigrationSpec s = spec();
  s.dual_write.new_column = "amount_eur";
  run_to(s, Phase::kRolledBack);
  EXPECT_NE(status_.rollback_reason.find("spec.dualWrite.newColumn"), std::string::npos)
      << status_.rollback_reason;
  EXPECT_EQ(leftovers(), "0/0");
}

}  // namespace
