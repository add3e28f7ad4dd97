// Gates: the operator's judgement while a migration runs. A gate measures something (replica
// lag, consumer lag, an error ratio), compares it with its limit and gives a verdict:
//   Throttle gates (lag) hold the backfill while over the limit and release it once the value
//   is back under a lower resume level (hysteresis, so the backfill does not flap);
//   Abort gates (SLOs) roll the migration back once failures pass failureLimit;
//   Evidence gates decide when contract is safe: they are measured while the migration awaits
//   contract and hold it until their value has stayed at or under the limit for windowSeconds
//   and `count` measurements in a row (old readers gone: no SELECT touching the old column,
//   no v1 traffic, no consumer behind on the old topic).
// `count` on a throttle or abort gate ends its measuring after that many measurements
// (Successful unless it failed), as Argo Rollouts' count does.
// Semantics follow Argo Rollouts analysis: intervalSeconds, failureLimit, consecutiveErrorLimit
// (default 4: a provider erroring that many times in a row fails the gate), an explicit policy for
// no data (Pause by default: missing data never passes), and dryRun (judge, record, never act).
// evaluate() is pure; providers do the measuring.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::gates {

enum class GateAction { kThrottle, kAbort, kEvidence };
enum class NoDataPolicy { kPause, kFail };

struct GateSpec {
  std::string name;
  std::string provider;  // postgresReplicaLag, kafkaConsumerLag, metrics, prometheus, web
  GateAction action = GateAction::kThrottle;
  std::chrono::milliseconds interval{2000};
  double max = 0;             // the limit the measured value must stay at or under
  double resume_ratio = 0.8;  // throttle gates release once the value is at or under max * this
  int failure_limit = 0;      // abort gates: failures tolerated before aborting
  int consecutive_error_limit = 4;
  int count = 0;  // throttle/abort: measurements before the gate completes (0: no end);
                  // evidence: clean measurements in a row required (at least 1)
  std::chrono::milliseconds window{0};  // evidence: how long the value must stay clean
  NoDataPolicy no_data = NoDataPolicy::kPause;
  bool dry_run = false;
  nlohmann::json params = nlohmann::json::object();  // provider settings
};

enum class MeasurementKind { kValue, kNoData, kError };

struct Measurement {
  MeasurementKind kind = MeasurementKind::kNoData;
  double value = 0;
  std::string detail{};  // e.g. "replica lag 12.1 MB, 3.2 s"
};

// kAwaitEvidence: an evidence gate not yet satisfied (holds contract, nothing else).
enum class Verdict { kPass, kThrottle, kPause, kAbort, kAwaitEvidence };

// What status keeps per gate between evaluations.
struct GateState {
  std::string name{};
  // Passing, Throttling, Inconclusive, Failed, Error, Successful (count reached);
  // evidence gates: Gathering (clean, window not yet over), Waiting (not clean), Satisfied.
  std::string phase = "Pending";
  int successes = 0, failures = 0, inconclusive = 0, errors = 0, consecutive_errors = 0;
  bool tripped = false;  // throttle gates: over the limit, not yet back under the resume level
  double last_value = 0;
  std::string last_detail{};
  std::string last_checked{};        // RFC 3339
  std::int64_t last_checked_ms = 0;  // steady epoch of the last check, for the interval
  std::int64_t clean_since_ms = 0;   // evidence: when the value last became clean (0: not clean)
  int clean_streak = 0;              // evidence: clean measurements in a row

  int measurements() const { return successes + failures + inconclusive; }

  nlohmann::json to_json() const;
  static GateState from_json(const nlohmann::json& j);
};

struct Evaluation {
  GateState state;
  Verdict verdict = Verdict::kPass;  // what the migration should do (dryRun: always kPass)
};

Evaluation evaluate(const GateSpec& spec, GateState state, const Measurement& m,
                    const std::string& now, std::int64_t now_ms);

// The verdict a gate's stored state implies between measurements.
Verdict standing_verdict(const GateSpec& spec, const GateState& state);

// Whether the gate still takes measurements (false once `count` has completed it).
bool measuring(const GateSpec& spec, const GateState& state);

}  // namespace schemashift::gates
