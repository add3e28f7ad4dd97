// MigrationMetrics: each SchemaMigration's progress as Prometheus series, labelled namespace
// and name, set from its status after every reconcile and forgotten when it is deleted.
//   schemashift_migration_phase{phase}                  1 for the current phase, 0 for the rest
//   schemashift_migration_phase_seconds{phase}          time spent in each phase (status.history)
//   schemashift_migration_backfill_rows_done / _rows_estimated / _rows_per_second / _batch_size
//   schemashift_migration_gate_value{gate}              the gate's last measured value
//   schemashift_migration_gate_state{gate,state}        1 for the gate's current state
//   schemashift_migration_target_flag_mode{service,mode}    1 for the mode written
//   schemashift_migration_target_acknowledged{service,mode} 1 for the mode all instances acked
//   schemashift_migration_rollbacks_total               rollbacks started (RollingBack entries)
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "migration/spec.h"
#include "migration/status.h"

namespace schemashift::controller {

class MigrationMetrics {
 public:
  explicit MigrationMetrics(prometheus::Registry& registry);

  void observe(const std::string& ns, const std::string& name, const migration::MigrationSpec& spec,
               const migration::MigrationStatus& status,
               std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  void forget(const std::string& ns, const std::string& name);

  // Every phase, gate state and flag mode a series is kept for (0 when not current).
  static const std::vector<std::string>& gate_states();

 private:
  struct Series {
    std::map<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Labels>,
             prometheus::Gauge*>
        gauges;
    prometheus::Counter* rollbacks = nullptr;
    double rollbacks_seen = 0;
  };
  using Touched = std::map<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Labels>,
                           prometheus::Gauge*>;
  void set(Touched& touched, prometheus::Family<prometheus::Gauge>& family,
           const prometheus::Labels& labels, double value);

  std::mutex mu_;
  std::map<std::string, Series> series_;  // by namespace/name
  prometheus::Family<prometheus::Gauge>&phase_, &phase_seconds_, &rows_done_, &rows_estimated_,
      &rows_per_second_, &batch_size_, &gate_value_, &gate_state_, &flag_mode_, &acknowledged_;
  prometheus::Family<prometheus::Counter>& rollbacks_;
};

}  // namespace schemashift::controller
