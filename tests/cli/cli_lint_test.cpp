// `schemashift lint` as a user runs it (no database), and the manifest reader under it.
#include <sstream>

#include <gtest/gtest.h>

#include "cli/cli_run.h"
#include "cli/manifests.h"
#include "standalone/manifest.h"
#include "standalone/progress_line.h"

namespace {

using schemashift::testing::amount_migration;
using schemashift::testing::run_cli;
using schemashift::testing::write_manifest;

TEST(CliLint, AGoodManifestPasses) {
  const auto r = run_cli({"lint", write_manifest("good.yaml", amount_migration("amount"))});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("SchemaMigration ci/amount is valid"), std::string::npos) << r.output;
}

TEST(CliLint, ABareSpecTakesItsNameFromTheFile) {
  const std::string full = amount_migration("x");
  const std::string bare_spec = full.substr(full.find("spec:\n") + 6);
  std::string dedented;
  std::istringstream in(bare_spec);
  for (std::string line; std::getline(in, line);) dedented += line.substr(2) + "\n";
  const auto r = run_cli({"lint", write_manifest("orders-amount.yaml", dedented)});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("default/orders-amount"), std::string::npos) << r.output;
}

TEST(CliLint, ABadFieldIsNamedWithItsPathAndExits2) {
  std::string bad = amount_migration("amount");
  bad.replace(bad.find("keyColumn: id, "), 15, "");
  bad.replace(bad.find("approval: Manual"), 16, "approval: Sometimes");
  const auto r = run_cli({"lint", write_manifest("bad.yaml", bad)});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("spec.backfill.keyColumn"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("spec.contract.approval"), std::string::npos) << r.output;
}

TEST(CliLint, UnsafeSqlIsRefusedByTheEnginesLint) {
  std::string bad = amount_migration("amount");
  bad.replace(bad.find("ADD COLUMN IF NOT EXISTS amount numeric(12,2)"), 45,
              "ALTER COLUMN amount_cents TYPE bigint");
  const auto r = run_cli({"lint", write_manifest("unsafe.yaml", bad)});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("expand.sql[0]"), std::string::npos) << r.output;
}

TEST(CliLint, WhatNeedsKubernetesIsRefusedByName) {
  std::string m = amount_migration("amount");
  m += "  api: {service: orders, oldVersion: v1, windowSeconds: 60}\n"
       "  gates: [{name: errors, provider: metrics, deployment: orders, metric: x, max: 1}]\n";
  const auto r = run_cli({"lint", write_manifest("kube.yaml", m)});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("spec.api: needs Kubernetes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("spec.gates[0].deployment: needs Kubernetes"), std::string::npos)
      << r.output;
}

TEST(CliLint, NotAManifestExits2) {
  auto r = run_cli({"lint", write_manifest("list.yaml", "[1, 2]\n")});
  EXPECT_EQ(r.code, 2) << r.output;
  r = run_cli({"lint", "/nonexistent/m.yaml"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read /nonexistent/m.yaml"), std::string::npos) << r.output;
  r = run_cli({"apply", write_manifest("m.yaml", amount_migration("a"))}, {"SCHEMASHIFT_DSN="});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--dsn is required"), std::string::npos) << r.output;
}

TEST(CliLint, EverySubcommandHasHelp) {
  for (const char* sub : {"lint", "plan", "apply", "status", "rollback"}) {
    const auto r = run_cli({sub, "--help"});
    EXPECT_EQ(r.code, 0) << sub << ": " << r.output;
    EXPECT_NE(r.output.find("FILE"), std::string::npos) << sub << ": " << r.output;
  }
  EXPECT_NE(run_cli({"apply", "--help"}).output.find("SCHEMASHIFT_DSN"), std::string::npos);
}

TEST(CliProgress, RowsRateAndEta) {
  schemashift::migration::BackfillProgress p;
  p.rows_done = 25000;
  p.rows_estimated = 100000;
  p.rows_per_second = 5000;
  EXPECT_EQ(schemashift::standalone::backfill_progress_text(p),
            "25,000 / ~100,000 rows  5,000 rows/s  ETA 15s");
  std::ostringstream piped;
  schemashift::standalone::ProgressLine line(piped, false);
  line.backfill("orders", p);
  line.backfill("orders", p);  // unchanged: not said again
  EXPECT_EQ(piped.str(), "backfill orders: 25,000 / ~100,000 rows  5,000 rows/s  ETA 15s\n");
  std::ostringstream tty;
  schemashift::standalone::ProgressLine redrawn(tty, true);
  redrawn.backfill("orders", p);
  EXPECT_EQ(tty.str().rfind("\r\033[K", 0), 0u);
}

}  // namespace
