// The kubectl plugin as a user runs it: `kubectl schemashift ...` found on PATH by kubectl
// itself, against the real API server and the real operator — the tree of a running and of a
// waiting migration, `get -w` redrawing in place on a terminal (a pseudo-terminal from
// script(1)), approve and abort through annotations, and the API server's own words for a
// missing migration and for a verb the user may not use.
#include <fstream>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/helpers.h"
#include "support/orders_migration_test.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::eventually;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;

class KubectlPluginE2E : public schemashift::testing::OrdersMigrationTest {
 protected:
  KubectlPluginE2E() : OrdersMigrationTest("plugin") {}
  void SetUp() override {
    OrdersMigrationTest::SetUp();
    start_operator();
  }

  // `kubectl schemashift ARGS`: kubectl finds the plugin on PATH, as it would for a user,
  // and the plugin reads KUBECONFIG (kubectl takes no flags before a plugin's name).
  std::string plugin(const std::string& args) {
    return "PATH=" + std::string(SCHEMASHIFT_BINARY_DIR) +
           ":\"$PATH\" KUBECONFIG=" + shell_quote(stack_var("KUBECONFIG")) + " " +
           stack_var("KUBECTL_BIN") + " schemashift -n " + ns_ + " " + args;
  }
};

TEST_F(KubectlPluginE2E, GetShowsTheWaitingMigrationAndApproveLetsItContract) {
  apply("amount", "Manual", 5000);
  ASSERT_TRUE(eventually([&] { return phase("amount") == "AwaitingContract"; }, 60s))
      << phase("amount") << "\n"
      << operator_->output();

  auto get = run_command(plugin("get amount"));
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_NE(get.output.find("AwaitingContract"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("✔ expand[0]"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("✔ backfill " + table_), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("20,000 / 20,000 rows"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("awaiting approval"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("EVENTS"), std::string::npos) << get.output;
  EXPECT_EQ(get.output.find("\033["), std::string::npos) << "colour codes in piped output";
  EXPECT_TRUE(column_exists("amount_cents"));  // nothing contracted before approval

  auto approve = run_command(plugin("approve amount"));
  ASSERT_EQ(approve.exit_code, 0) << approve.output;
  auto wait =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/amount --timeout=60s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << operator_->output();
  EXPECT_FALSE(column_exists("amount_cents"));  // the contract really ran

  auto list = run_command(plugin("list"));
  EXPECT_NE(list.output.find("amount"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("Completed"), std::string::npos) << list.output;
  auto history = run_command(plugin("history amount"));
  for (const char* p : {"Planned", "Expanding", "Backfilling", "AwaitingContract", "Completed"})
    EXPECT_NE(history.output.find(p), std::string::npos) << p << "\n" << history.output;
}

TEST_F(KubectlPluginE2E, WatchRedrawsInPlaceOnATerminalUntilItCompletes) {
  {
    pqxx::work tx(db_);  // 200,000 rows in 100-row batches: several slices, several redraws
    tx.exec0("INSERT INTO " + table_ +
             " (amount_cents) SELECT g FROM generate_series(20001, 200000) g");
    tx.exec0("ANALYZE " + table_);
    tx.commit();
  }
  apply("watched", "Auto", 100);
  // script(1) gives the plugin a pseudo-terminal, as a person's shell would.
  const std::string cmd = "script -qfec " + shell_quote(plugin("get watched -w")) + " /dev/null";
  auto watched = run_command("timeout 120 " + cmd);
  ASSERT_EQ(watched.exit_code, 0) << watched.output;
  EXPECT_EQ(phase("watched"), "Completed");
  EXPECT_NE(watched.output.find("\033[36m"), std::string::npos) << "no colour on a terminal";
  EXPECT_NE(watched.output.find("A\033[J"), std::string::npos) << "never redrew in place";
  EXPECT_NE(watched.output.find("Backfilling"), std::string::npos);
  EXPECT_NE(watched.output.find("Completed"), std::string::npos);
  EXPECT_NE(watched.output.find("rows/s"), std::string::npos) << "no rate shown mid-backfill:\n"
                                                              << watched.output;
}

TEST_F(KubectlPluginE2E, AbortFromThePluginRollsBackAndKeepsTheOldData) {
  apply("aborted", "Manual", 20);  // 20-row batches: the backfill takes a while
  ASSERT_TRUE(eventually([&] { return phase("aborted") == "Backfilling"; }, 60s))
      << phase("aborted") << operator_->output();
  auto abort = run_command(plugin("abort aborted"));
  ASSERT_EQ(abort.exit_code, 0) << abort.output;
  EXPECT_NE(abort.output.find("abort requested"), std::string::npos) << abort.output;
  ASSERT_TRUE(eventually([&] { return phase("aborted") == "RolledBack"; }, 60s))
      << phase("aborted") << operator_->output();
  EXPECT_FALSE(column_exists("amount"));
  EXPECT_TRUE(column_exists("amount_cents"));
  pqxx::nontransaction nt(db_);
  EXPECT_EQ(nt.exec("SELECT sum(amount_cents) FROM " + table_)[0][0].as<long long>(),
            20000LL * 20001 / 2);
  auto get = run_command(plugin("get aborted"));
  EXPECT_NE(get.output.find("RolledBack"), std::string::npos) << get.output;
}

TEST_F(KubectlPluginE2E, FailuresAreTheApiServersOwnWords) {
  auto missing = run_command(plugin("get no-such-migration"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("Error from server (NotFound): schemamigrations.schemashift.io "
                                "\"no-such-migration\" not found"),
            std::string::npos)
      << missing.output;

  // A user whose token allows nothing: a ServiceAccount without any binding.
  ASSERT_EQ(run_command(kubectl("-n " + ns_ + " create serviceaccount nobody")).exit_code, 0);
  const std::string kc = schemashift::testing::service_account_kubeconfig(ns_, "nobody");
  auto forbidden = run_command(std::string(SCHEMASHIFT_BINARY_DIR) +
                               "/kubectl-schemashift --kubeconfig " + kc + " list");
  EXPECT_EQ(forbidden.exit_code, 1);
  EXPECT_NE(forbidden.output.find("Error from server (Forbidden): schemamigrations.schemashift.io "
                                  "is forbidden: User \"system:serviceaccount:" +
                                  ns_ + ":nobody\" cannot list resource"),
            std::string::npos)
      << forbidden.output;
  EXPECT_EQ(forbidden.output.find("terminate"), std::string::npos) << "a crash, not a message";
}

}  // namespace
