// MigrationMetrics: each SchemaMigration's progress as Prometheus series, labelled namespace
// and name, taken from its status after every reconcile and forgotten when it is deleted.
//   schemashift_migration_phase{phase}                  1 for the current phase, 0 for the rest
//   schemashift_migration_phase_seconds{phase}          time spent in each phase (status.history)
//   schemashift_migration_backfill_rows_done / _rows_estimated / _rows_per_second / _batch_size
//   schemashift_migration_gate_value{gate}              the gate's last measured value
//   schemashift_migration_gate_state{gate,state}        1 for the gate's current state
//   schemashift_migration_target_flag_mode{service,mode}    1 for the mode written
//   schemashift_migration_target_acknowledged{service,mode} 1 for the mode all instances acked
//   schemashift_migration_rollbacks_total               rollbacks started (RollingBack entries)
// It keeps a small summary per migration and builds the series only when /metrics is scraped
// (as kube-state-metrics does): thousands of migrations cost a few hundred bytes each, not a
// prometheus-cpp object per series.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "migration/spec.h"
#include "migration/status.h"
#include "runtime/metrics.h"

namespace schemashift::controller {

class MigrationMetrics : public prometheus::Collectable {
 public:
  // Registers itself with `registry` until destroyed.
  explicit MigrationMetrics(runtime::MetricsRegistry& registry);
  ~MigrationMetrics() override;
  MigrationMetrics(const MigrationMetrics&) = delete;
  MigrationMetrics& operator=(const MigrationMetrics&) = delete;

  void observe(const std::string& ns, const std::string& name, const migration::MigrationSpec& spec,
               const migration::MigrationStatus& status,
               std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  void forget(const std::string& ns, const std::string& name);

  std::vector<prometheus::MetricFamily> Collect() const override;

  // The states a gate_state series is kept for (0 when not current).
  static const std::vector<std::string>& gate_states();

 private:
  struct Gate {
    std::string name, state;
    double value = 0;
  };
  struct Target {
    std::string service;
    std::optional<migration::FlagMode> mode, acknowledged;
  };
  struct Summary {
    migration::Phase phase = migration::Phase::kPending;
    std::map<migration::Phase, double> seconds;  // phases with time spent
    double rows_done = 0, rows_estimated = 0, rows_per_second = 0, batch_size = 0;
    std::vector<Gate> gates;
    std::vector<Target> targets;
    double rollbacks = 0;
  };

  runtime::MetricsRegistry& registry_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Summary> migrations_;  // by (namespace, name)
};

}  // namespace schemashift::controller
