// A migration's status as Prometheus series: what a Grafana panel would show for it, and
// nothing left behind once it is deleted.
#include "controller/migration_metrics.h"

#include <gtest/gtest.h>

#include "common/time.h"
#include "runtime/metrics.h"

namespace {

using namespace schemashift;
using migration::FlagMode;
using migration::Phase;

migration::MigrationSpec spec_with(std::vector<std::string> gates,
                                   std::vector<std::string> services) {
  migration::MigrationSpec spec;
  for (auto& g : gates) {
    gates::GateSpec gate;
    gate.name = g;
    gate.provider = "postgresReplicaLag";
    spec.gates.push_back(gate);
  }
  for (auto& s : services) {
    migration::Target t;
    t.service = s;
    spec.targets.push_back(t);
  }
  return spec;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

class MigrationMetricsTest : public ::testing::Test {
 protected:
  runtime::MetricsRegistry registry;
  controller::MigrationMetrics metrics{registry};
};

TEST_F(MigrationMetricsTest, BackfillingMigrationShowsPhaseProgressGatesAndTargets) {
  const auto t0 = *parse_rfc3339("2026-01-01T10:00:00Z");
  migration::MigrationStatus s;
  s.phase = Phase::kBackfilling;
  s.history = {{Phase::kExpanding, "2026-01-01T10:00:00Z", ""},
               {Phase::kDualWriting, "2026-01-01T10:00:30Z", ""},
               {Phase::kBackfilling, "2026-01-01T10:01:00Z", ""}};
  s.backfill.rows_done = 1200;
  s.backfill.rows_estimated = 5000;
  s.backfill.batch_size = 250;
  s.backfill.rows_per_second = 812.5;
  s.gates.push_back({.name = "lag", .phase = "Throttling", .last_value = 3.5});
  s.targets.push_back(
      {.service = "orders", .mode = FlagMode::kDualWrite, .acknowledged = FlagMode::kOld});
  metrics.observe("shop", "add-email", spec_with({"lag", "errors"}, {"orders", "billing"}), s,
                  t0 + std::chrono::seconds(100));
  const std::string text = registry.render();
  const std::string id = "name=\"add-email\",namespace=\"shop\"";
  for (const std::string& want : {
           "schemashift_migration_phase{" + id + ",phase=\"Backfilling\"} 1",
           "schemashift_migration_phase{" + id + ",phase=\"Expanding\"} 0",
           "schemashift_migration_phase_seconds{" + id + ",phase=\"Expanding\"} 30",
           "schemashift_migration_phase_seconds{" + id + ",phase=\"DualWriting\"} 30",
           "schemashift_migration_phase_seconds{" + id + ",phase=\"Backfilling\"} 40",
           "schemashift_migration_phase_seconds{" + id + ",phase=\"Verifying\"} 0",
           "schemashift_migration_backfill_rows_done{" + id + "} 1200",
           "schemashift_migration_backfill_rows_estimated{" + id + "} 5000",
           "schemashift_migration_backfill_rows_per_second{" + id + "} 812.5",
           "schemashift_migration_backfill_batch_size{" + id + "} 250",
           "schemashift_migration_gate_value{gate=\"lag\"," + id + "} 3.5",
           "schemashift_migration_gate_state{gate=\"lag\"," + id + ",state=\"Throttling\"} 1",
           "schemashift_migration_gate_state{gate=\"lag\"," + id + ",state=\"Passing\"} 0",
           // A gate the spec names but nothing measured yet.
           "schemashift_migration_gate_state{gate=\"errors\"," + id + ",state=\"Pending\"} 1",
           "schemashift_migration_target_flag_mode{mode=\"dual-write\"," + id +
               ",service=\"orders\"} 1",
           "schemashift_migration_target_flag_mode{mode=\"old\"," + id + ",service=\"orders\"} 0",
           "schemashift_migration_target_acknowledged{mode=\"old\"," + id +
               ",service=\"orders\"} 1",
           "schemashift_migration_target_acknowledged{mode=\"dual-write\"," + id +
               ",service=\"orders\"} 0",
           // A target with no flag moved yet: no mode is current.
           "schemashift_migration_target_flag_mode{mode=\"old\"," + id + ",service=\"billing\"} 0",
           "schemashift_migration_rollbacks_total{" + id + "} 0",
       }) {
    EXPECT_TRUE(has(text, want)) << want << "\n" << text;
  }
}

TEST_F(MigrationMetricsTest, RollbacksCountEachRollingBackOnce) {
  migration::MigrationStatus s;
  s.phase = Phase::kRollingBack;
  s.history = {{Phase::kExpanding, "2026-01-01T10:00:00Z", ""},
               {Phase::kRollingBack, "2026-01-01T10:00:10Z", ""}};
  const auto spec = spec_with({}, {});
  metrics.observe("shop", "m", spec, s);
  metrics.observe("shop", "m", spec, s);  // the same status again: no new rollback
  EXPECT_TRUE(has(registry.render(),
                  "schemashift_migration_rollbacks_total{name=\"m\",namespace=\"shop\"} 1"))
      << registry.render();
  s.history.push_back({Phase::kExpanding, "2026-01-01T10:01:00Z", ""});
  s.history.push_back({Phase::kRollingBack, "2026-01-01T10:02:00Z", ""});
  metrics.observe("shop", "m", spec, s);
  EXPECT_TRUE(has(registry.render(),
                  "schemashift_migration_rollbacks_total{name=\"m\",namespace=\"shop\"} 2"))
      << registry.render();
}

TEST_F(MigrationMetricsTest, GateLeavingTheSpecAndDeletedMigrationLeaveNoSeries) {
  migration::MigrationStatus s;
  metrics.observe("shop", "a", spec_with({"lag"}, {"orders"}), s);
  metrics.observe("shop", "b", spec_with({}, {}), s);
  EXPECT_NE(registry.render().find("gate=\"lag\""), std::string::npos);
  metrics.observe("shop", "a", spec_with({}, {"orders"}), s);
  EXPECT_EQ(registry.render().find("gate=\"lag\""), std::string::npos) << registry.render();

  metrics.forget("shop", "a");
  const std::string text = registry.render();
  EXPECT_EQ(text.find("name=\"a\""), std::string::npos) << text;
  EXPECT_NE(text.find("name=\"b\""), std::string::npos) << text;
}

}  // namespace
