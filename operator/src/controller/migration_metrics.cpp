#include "controller/migration_metrics.h"

#include <algorithm>

#include "common/time.h"

namespace schemashift::controller {

namespace {

using migration::FlagMode;
using migration::Phase;
using Labels = std::map<std::string, std::string>;

constexpr Phase kPhases[] = {Phase::kPending,       Phase::kPlanned,          Phase::kExpanding,
                             Phase::kDualWriting,   Phase::kBackfilling,      Phase::kVerifying,
                             Phase::kReadSwitching, Phase::kAwaitingContract, Phase::kContracting,
                             Phase::kCompleted,     Phase::kRollingBack,      Phase::kRolledBack,
                             Phase::kFailed};
constexpr FlagMode kModes[] = {FlagMode::kOld, FlagMode::kDualWrite, FlagMode::kReadNew,
                               FlagMode::kNew};

// Seconds spent in each phase: from one transition to the next, the last one until `now`.
std::map<Phase, double> time_in_phases(const std::vector<migration::Transition>& history,
                                       std::chrono::system_clock::time_point now) {
  std::map<Phase, double> out;
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto from = parse_rfc3339(history[i].at);
    if (!from) continue;
    const auto to = i + 1 < history.size() ? parse_rfc3339(history[i + 1].at) : std::optional{now};
    if (!to || *to < *from) continue;
    out[history[i].phase] += std::chrono::duration<double>(*to - *from).count();
  }
  return out;
}

prometheus::MetricFamily family(const std::string& name, prometheus::MetricType type,
                                const std::string& help) {
  return {name, help, type, {}};
}

// One series; labels sorted by name, as prometheus-cpp's own families write them.
void add(prometheus::MetricFamily& f, const Labels& labels, double value) {
  prometheus::ClientMetric m;
  for (const auto& [k, v] : labels) m.label.push_back({k, v});
  if (f.type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
}

}  // namespace

const std::vector<std::string>& MigrationMetrics::gate_states() {
  static const std::vector<std::string> states = {
      "Pending", "Passing",    "Throttling", "Inconclusive", "Failed",
      "Error",   "Successful", "Gathering",  "Waiting",      "Satisfied"};
  return states;
}

MigrationMetrics::MigrationMetrics(runtime::MetricsRegistry& registry) : registry_(registry) {
  registry_.add_collectable(this);
}

MigrationMetrics::~MigrationMetrics() { registry_.remove_collectable(this); }

void MigrationMetrics::observe(const std::string& ns, const std::string& name,
                               const migration::MigrationSpec& spec,
                               const migration::MigrationStatus& status,
                               std::chrono::system_clock::time_point now) {
  Summary s;
  s.phase = status.phase;
  s.seconds = time_in_phases(status.history, now);
  s.rows_done = static_cast<double>(status.backfill.rows_done);
  s.rows_estimated = static_cast<double>(status.backfill.rows_estimated);
  s.rows_per_second = status.backfill.rows_per_second;
  s.batch_size = status.backfill.batch_size;
  // Gates the status holds (an API's evidence gate among them), then any the spec names that
  // nothing measured yet (Pending).
  for (const auto& g : status.gates) s.gates.push_back({g.name, g.phase, g.last_value});
  for (const auto& g : spec.gates) {
    if (std::none_of(s.gates.begin(), s.gates.end(),
                     [&](const Gate& x) { return x.name == g.name; }))
      s.gates.push_back({g.name, "Pending", 0});
  }
  for (const auto& t : status.targets) s.targets.push_back({t.service, t.mode, t.acknowledged});
  for (const auto& t : spec.targets) {
    if (!status.target(t.service)) s.targets.push_back({t.service, {}, {}});
  }
  const double rollbacks = static_cast<double>(
      std::count_if(status.history.begin(), status.history.end(),
                    [](const migration::Transition& t) { return t.phase == Phase::kRollingBack; }));
  std::lock_guard lock(mu_);
  auto& slot = migrations_[{ns, name}];
  // A counter never goes down, though the bounded history may forget an old rollback.
  s.rollbacks = std::max(slot.rollbacks, rollbacks);
  slot = std::move(s);
}

void MigrationMetrics::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  migrations_.erase({ns, name});
}

std::vector<prometheus::MetricFamily> MigrationMetrics::Collect() const {
  using prometheus::MetricType;
  auto phase = family("schemashift_migration_phase", MetricType::Gauge,
                      "1 for the migration's current phase, 0 for the others");
  auto seconds = family("schemashift_migration_phase_seconds", MetricType::Gauge,
                        "Seconds the migration has spent in each phase (status.history)");
  auto rows_done =
      family("schemashift_migration_backfill_rows_done", MetricType::Gauge, "Rows backfilled");
  auto rows_estimated = family("schemashift_migration_backfill_rows_estimated", MetricType::Gauge,
                               "Rows the backfill expects to visit (the planner's estimate)");
  auto rate = family("schemashift_migration_backfill_rows_per_second", MetricType::Gauge,
                     "Backfill rate over the last batches");
  auto batch = family("schemashift_migration_backfill_batch_size", MetricType::Gauge,
                      "Rows per backfill batch, as the batch sizer and throttle gates set it");
  auto gate_value =
      family("schemashift_migration_gate_value", MetricType::Gauge, "A gate's last measured value");
  auto gate_state = family("schemashift_migration_gate_state", MetricType::Gauge,
                           "1 for a gate's current state, 0 for the others");
  auto flag_mode = family("schemashift_migration_target_flag_mode", MetricType::Gauge,
                          "1 for the flag mode written for a target service, 0 for the others");
  auto acknowledged = family("schemashift_migration_target_acknowledged", MetricType::Gauge,
                             "1 for the flag mode all live instances of a target acknowledged");
  auto rollbacks = family("schemashift_migration_rollbacks_total", MetricType::Counter,
                          "Rollbacks the migration started (RollingBack entries in its history)");
  std::lock_guard lock(mu_);
  for (const auto& [key, s] : migrations_) {
    const Labels id = {{"namespace", key.first}, {"name", key.second}};
    auto with = [&id](std::initializer_list<std::pair<const std::string, std::string>> extra) {
      Labels l = id;
      l.insert(extra);
      return l;
    };
    for (Phase p : kPhases) {
      const auto labels = with({{"phase", migration::to_string(p)}});
      add(phase, labels, p == s.phase ? 1 : 0);
      const auto it = s.seconds.find(p);
      add(seconds, labels, it == s.seconds.end() ? 0 : it->second);
    }
    add(rows_done, id, s.rows_done);
    add(rows_estimated, id, s.rows_estimated);
    add(rate, id, s.rows_per_second);
    add(batch, id, s.batch_size);
    for (const auto& g : s.gates) {
      add(gate_value, with({{"gate", g.name}}), g.value);
      for (const auto& state : gate_states())
        add(gate_state, with({{"gate", g.name}, {"state", state}}), state == g.state ? 1 : 0);
    }
    for (const auto& t : s.targets) {
      for (FlagMode m : kModes) {
        const auto labels = with({{"service", t.service}, {"mode", migration::to_string(m)}});
        add(flag_mode, labels, t.mode == m ? 1 : 0);
        add(acknowledged, labels, t.acknowledged == m ? 1 : 0);
      }
    }
    add(rollbacks, id, s.rollbacks);
  }
  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&phase, &seconds, &rows_done, &rows_estimated, &rate, &batch, &gate_value,
                  &gate_state, &flag_mode, &acknowledged, &rollbacks}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace schemashift::controller
