// When gates are measured and what their verdicts mean for one reconcile: gates due on their
// interval are measured and folded into the status (a change of a gate's phase becomes an
// event), evidence gates only while contract waits, and the verdicts become the observations
// decide() acts on. The backfill also asks its throttle gates before every batch (the guard),
// so it overshoots a lag limit by at most one batch. Measuring itself is the caller's
// (PgRunner::measure).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "gates/gate.h"
#include "migration/decide.h"
#include "migration/spec.h"
#include "migration/status.h"

namespace schemashift::controller {

using Measure = std::function<gates::Measurement(const gates::GateSpec&)>;

// Folds a measurement into a gate's state; a change of the gate's phase becomes an event.
void record_measurement(const gates::GateSpec& g, gates::GateState& st, const gates::Measurement& m,
                        const std::string& now, std::vector<migration::Event>& events);

// Measures the gates that are due, updates their state in `status`, and sets the verdicts
// decide() acts on (throttle, abort, evidence pending) in `obs`. Returns how long a backfill
// slice may run before the gates are looked at again (the shortest throttle interval, at most 1 s).
std::chrono::milliseconds evaluate_gates(const Measure& measure,
                                         const migration::MigrationSpec& spec,
                                         migration::MigrationStatus& status,
                                         migration::Observations& obs, const std::string& now,
                                         std::vector<migration::Event>& events);

// The backfill's guard for this reconcile: true while every throttle gate (not dry-run) is
// within its limit; a trip is recorded in `next`'s gate state and `events`. The references must
// outlive the guard (the reconcile clears it before they go).
std::function<bool()> throttle_guard(Measure measure, const migration::MigrationSpec& spec,
                                     migration::MigrationStatus& next, const std::string& now,
                                     std::vector<migration::Event>& events);

}  // namespace schemashift::controller
