// GitOps tools judging real SchemaMigrations on the real API server: kstatus (cli-utils, what
// Flux and kubectl-style waits use) and Argo CD's health.lua, in every phase a pipeline meets —
// before the operator has looked at it, running, waiting for approval, paused, completed,
// rolled back — and Argo CD's actions (pause, resume, approve, abort) applied to the live
// object as the merge patch Argo CD's server sends, with their effect checked in the database.
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

const std::string kCustomization =
    std::string(SCHEMASHIFT_SOURCE_DIR) +
    "/gitops/argocd/resource_customizations/schemashift.io/SchemaMigration";

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

class GitOpsHealthE2E : public schemashift::testing::OrdersMigrationTest {
 protected:
  GitOpsHealthE2E() : OrdersMigrationTest("gitops") {}

  std::string object_file(const std::string& name) {
    const std::string path = "/tmp/schemashift-gitops-obj-" + unique_suffix() + ".json";
    auto r = run_command(kubectl("-n " + ns_ + " get smig " + name + " -o json > " + path));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return path;
  }
  // kstatus's verdict: "InProgress: ...", "Current: ...", "Failed: ...".
  std::string kstatus(const std::string& name) {
    return trim(run_command(std::string(SCHEMASHIFT_BINARY_DIR) + "/kstatus < " + object_file(name))
                    .output);
  }
  // Argo CD's health, with the restricted libraries a script in argocd-cm runs with.
  std::string argocd_health(const std::string& name) {
    return trim(run_command(std::string(SCHEMASHIFT_BINARY_DIR) + "/argocd-lua health " +
                            kCustomization + " < " + object_file(name))
                    .output);
  }
  // Runs an Argo CD action and applies its result to the live object as Argo CD's server
  // does: a JSON merge patch.
  void argocd_action(const std::string& name, const std::string& action) {
    auto patch =
        run_command(std::string(SCHEMASHIFT_BINARY_DIR) + "/argocd-lua action " + kCustomization +
                    " " + action + " < " + object_file(name) + " 2>/dev/null");
    ASSERT_EQ(patch.exit_code, 0) << patch.output;
    auto r = run_command(kubectl("-n " + ns_ + " patch smig " + name + " --type merge -p " +
                                 shell_quote(trim(patch.output))));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
};

TEST_F(GitOpsHealthE2E, ToolsJudgeEveryPhaseAndArgoActionsSteerIt) {
  // Applied, no operator yet: a pipeline's wait must not pass.
  apply("amount", "Manual", 5000);
  EXPECT_EQ(kstatus("amount").rfind("InProgress:", 0), 0u) << kstatus("amount");
  EXPECT_NE(argocd_health("amount").find("\"status\":\"Progressing\""), std::string::npos)
      << argocd_health("amount");

  start_operator();
  ASSERT_TRUE(eventually([&] { return phase("amount") == "AwaitingContract"; }, 60s))
      << phase("amount") << operator_->output();
  EXPECT_EQ(kstatus("amount").rfind("InProgress:", 0), 0u) << kstatus("amount");
  EXPECT_NE(argocd_health("amount").find("\"status\":\"Suspended\""), std::string::npos)
      << argocd_health("amount");

  // Pause and resume from Argo CD.
  argocd_action("amount", "pause");
  ASSERT_TRUE(eventually([&] { return condition("amount", "Paused") == "True"; }, 30s));
  EXPECT_NE(argocd_health("amount").find("Paused"), std::string::npos) << argocd_health("amount");
  argocd_action("amount", "resume");
  ASSERT_TRUE(eventually([&] { return condition("amount", "Paused") == "False"; }, 30s));

  // Approve from Argo CD: contract runs, and every tool calls it done.
  EXPECT_TRUE(column_exists("amount_cents"));
  argocd_action("amount", "approve");
  ASSERT_TRUE(eventually([&] { return phase("amount") == "Completed"; }, 60s))
      << phase("amount") << operator_->output();
  EXPECT_FALSE(column_exists("amount_cents"));
  EXPECT_EQ(kstatus("amount").rfind("Current:", 0), 0u) << kstatus("amount");
  EXPECT_NE(argocd_health("amount").find("\"status\":\"Healthy\""), std::string::npos)
      << argocd_health("amount");
}

TEST_F(GitOpsHealthE2E, AnArgoAbortRollsBackAndEveryToolCallsItFailed) {
  start_operator();
  apply("aborted", "Manual", 20);  // 20-row batches: the backfill takes a while
  ASSERT_TRUE(eventually([&] { return phase("aborted") == "Backfilling"; }, 60s))
      << phase("aborted") << operator_->output();
  EXPECT_EQ(kstatus("aborted").rfind("InProgress:", 0), 0u) << kstatus("aborted");
  EXPECT_NE(argocd_health("aborted").find("\"status\":\"Progressing\""), std::string::npos);
  argocd_action("aborted", "abort");
  ASSERT_TRUE(eventually([&] { return phase("aborted") == "RolledBack"; }, 60s))
      << phase("aborted") << operator_->output();
  EXPECT_FALSE(column_exists("amount"));
  EXPECT_TRUE(column_exists("amount_cents"));
  EXPECT_EQ(kstatus("aborted").rfind("Failed:", 0), 0u) << kstatus("aborted");
  EXPECT_NE(argocd_health("aborted").find("\"status\":\"Degraded\""), std::string::npos)
      << argocd_health("aborted");
}

}  // namespace
