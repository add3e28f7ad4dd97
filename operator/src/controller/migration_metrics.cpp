#include "controller/migration_metrics.h"

#include <algorithm>

#include "common/time.h"

namespace schemashift::controller {

namespace {

using migration::FlagMode;
using migration::Phase;

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& r, const std::string& name,
                                             const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

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

}  // namespace

const std::vector<std::string>& MigrationMetrics::gate_states() {
  static const std::vector<std::string> states = {
      "Pending", "Passing",    "Throttling", "Inconclusive", "Failed",
      "Error",   "Successful", "Gathering",  "Waiting",      "Satisfied"};
  return states;
}

MigrationMetrics::MigrationMetrics(prometheus::Registry& r)
    : phase_(gauge(r, "schemashift_migration_phase",
                   "1 for the migration's current phase, 0 for the others")),
      phase_seconds_(gauge(r, "schemashift_migration_phase_seconds",
                           "Seconds the migration has spent in each phase (status.history)")),
      rows_done_(gauge(r, "schemashift_migration_backfill_rows_done", "Rows backfilled so far")),
      rows_estimated_(gauge(r, "schemashift_migration_backfill_rows_estimated",
                            "Rows the backfill expects to visit (the planner's estimate)")),
      rows_per_second_(gauge(r, "schemashift_migration_backfill_rows_per_second",
                             "Backfill rate over the last batches")),
      batch_size_(gauge(r, "schemashift_migration_backfill_batch_size",
                        "Rows per backfill batch, as the batch sizer and throttle gates set it")),
      gate_value_(gauge(r, "schemashift_migration_gate_value", "A gate's last measured value")),
      gate_state_(gauge(r, "schemashift_migration_gate_state",
                        "1 for a gate's current state, 0 for the others")),
      flag_mode_(gauge(r, "schemashift_migration_target_flag_mode",
                       "1 for the flag mode written for a target service, 0 for the others")),
      acknowledged_(gauge(r, "schemashift_migration_target_acknowledged",
                          "1 for the flag mode all live instances of a target acknowledged")),
      rollbacks_(prometheus::BuildCounter()
                     .Name("schemashift_migration_rollbacks_total")
                     .Help("Rollbacks the migration started (RollingBack entries in its history)")
                     .Register(r)) {}

void MigrationMetrics::set(Touched& touched, prometheus::Family<prometheus::Gauge>& family,
                           const prometheus::Labels& labels, double value) {
  auto& g = touched[{&family, labels}];
  if (!g) g = &family.Add(labels);
  g->Set(value);
}

void MigrationMetrics::observe(const std::string& ns, const std::string& name,
                               const migration::MigrationSpec& spec,
                               const migration::MigrationStatus& status,
                               std::chrono::system_clock::time_point now) {
  const prometheus::Labels id = {{"namespace", ns}, {"name", name}};
  auto with = [&id](std::initializer_list<std::pair<const std::string, std::string>> extra) {
    prometheus::Labels l = id;
    l.insert(extra);
    return l;
  };
  std::lock_guard lock(mu_);
  Series& s = series_[ns + "/" + name];
  Touched touched;
  const auto seconds = time_in_phases(status.history, now);
  for (Phase p : kPhases) {
    const std::string phase = migration::to_string(p);
    set(touched, phase_, with({{"phase", phase}}), p == status.phase ? 1 : 0);
    const auto it = seconds.find(p);
    set(touched, phase_seconds_, with({{"phase", phase}}), it == seconds.end() ? 0 : it->second);
  }
  set(touched, rows_done_, id, static_cast<double>(status.backfill.rows_done));
  set(touched, rows_estimated_, id, static_cast<double>(status.backfill.rows_estimated));
  set(touched, rows_per_second_, id, status.backfill.rows_per_second);
  set(touched, batch_size_, id, status.backfill.batch_size);

  // Gates the spec names (Pending until measured) and any the status holds (an API's evidence).
  std::vector<gates::GateState> gate_list = status.gates;
  for (const auto& g : spec.gates) {
    if (std::none_of(gate_list.begin(), gate_list.end(),
                     [&](const gates::GateState& x) { return x.name == g.name; }))
      gate_list.push_back({.name = g.name});
  }
  for (const auto& g : gate_list) {
    set(touched, gate_value_, with({{"gate", g.name}}), g.last_value);
    for (const auto& state : gate_states())
      set(touched, gate_state_, with({{"gate", g.name}, {"state", state}}),
          state == g.phase ? 1 : 0);
  }

  std::vector<migration::TargetState> targets = status.targets;
  for (const auto& t : spec.targets) {
    if (!status.target(t.service)) targets.push_back({.service = t.service});
  }
  for (const auto& t : targets) {
    for (FlagMode m : kModes) {
      const auto labels = with({{"service", t.service}, {"mode", migration::to_string(m)}});
      set(touched, flag_mode_, labels, t.mode == m ? 1 : 0);
      set(touched, acknowledged_, labels, t.acknowledged == m ? 1 : 0);
    }
  }

  // Series of gates or targets no longer in the spec or status go.
  for (const auto& [k, g] : s.gauges) {
    if (!touched.count(k)) k.first->Remove(g);
  }
  s.gauges = std::move(touched);

  const double rollbacks = static_cast<double>(
      std::count_if(status.history.begin(), status.history.end(),
                    [](const migration::Transition& t) { return t.phase == Phase::kRollingBack; }));
  if (!s.rollbacks) s.rollbacks = &rollbacks_.Add(id);
  if (rollbacks > s.rollbacks_seen) s.rollbacks->Increment(rollbacks - s.rollbacks_seen);
  s.rollbacks_seen = std::max(s.rollbacks_seen, rollbacks);
}

void MigrationMetrics::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  const auto it = series_.find(ns + "/" + name);
  if (it == series_.end()) return;
  for (const auto& [k, g] : it->second.gauges) k.first->Remove(g);
  if (it->second.rollbacks) rollbacks_.Remove(it->second.rollbacks);
  series_.erase(it);
}

}  // namespace schemashift::controller
