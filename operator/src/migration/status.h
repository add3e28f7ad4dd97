// MigrationStatus: what has happened to a SchemaMigration, as stored in its status (and read
// back each reconcile): phase, step progress, backfill progress, the flag mode asked for,
// conditions (kstatus: Ready, Reconciling, Stalled, plus AwaitingApproval, Paused,
// GatesPassing) and a bounded history of transitions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gates/gate.h"
#include "migration/phase.h"

namespace schemashift::migration {

struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;  // CamelCase
  std::string message;
  std::int64_t observed_generation = 0;
  std::string last_transition_time;  // RFC 3339
};

struct Transition {
  Phase phase;
  std::string at;
  std::string reason;
};

struct BackfillProgress {
  std::int64_t rows_done = 0;
  std::int64_t rows_estimated = 0;
  std::string last_key;
  int batch_size = 0;
  double rows_per_second = 0;
  bool complete = false;
};

// status.dualWriteTrigger (trigger mode): empty until installed, then Installed, then Removed.
inline constexpr const char* kTriggerInstalled = "Installed";
inline constexpr const char* kTriggerRemoved = "Removed";

struct MigrationStatus {
  Phase phase = Phase::kPending;
  std::int64_t observed_generation = 0;
  std::string plan_hash;
  int expand_done = 0;                 // expand statements applied, in order
  int contract_done = 0;               // contract statements applied
  int rollback_done = 0;               // rollback statements applied
  std::optional<FlagMode> flag_mode;   // the mode last written for the targets
  std::optional<FlagMode> acked_mode;  // the mode every live instance acknowledged
  BackfillProgress backfill;
  std::string dual_write_trigger;  // "", kTriggerInstalled, kTriggerRemoved
  bool verified = false;
  std::string verify_failure;  // failing checks, when verification found bad data
  std::string rollback_reason;
  std::string last_error;  // the last failed action, for people (never a password)
  bool last_error_retriable = true;
  std::vector<Condition> conditions;
  std::vector<Transition> history;
  std::vector<gates::GateState> gates;

  const Condition* condition(const std::string& type) const;
  nlohmann::json to_json() const;
  static MigrationStatus from_json(const nlohmann::json& status);
};

// Sets a condition; lastTransitionTime changes only when its status flips.
void set_condition(std::vector<Condition>& conditions, const std::string& type,
                   const std::string& status, const std::string& reason, const std::string& message,
                   std::int64_t generation, const std::string& now);

}  // namespace schemashift::migration
