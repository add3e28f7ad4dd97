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

// One target's flag as the migration moved it: the mode written in its database, and the mode
// all its live instances acknowledged (status.targets[]).
struct TargetState {
  std::string service;
  std::optional<FlagMode> mode{};
  std::optional<FlagMode> acknowledged{};
  std::string detail{};  // the barrier: "2 of 2 live instances acknowledged; 2 ready replicas"
};

// spec.api's evidence: old-version requests per client seen since the migration started
// measuring (status.api).
struct ApiClientUse {
  std::string client;
  std::int64_t requests = 0;
  std::string last_seen{};  // RFC 3339: the last measurement in which it called
};
struct ApiStatus {
  std::string old_version{};
  std::vector<ApiClientUse> clients{};
  std::string silent_since{};  // RFC 3339: no old-version call since then ("" while calls go on)
};

// spec.events as the registry answered (status.events).
struct EventsStatus {
  std::string subject{};
  std::string compatibility{};          // the subject's level when the plan was checked
  std::int32_t schema_id = 0;           // the new version, registered after the check
  std::int32_t contract_schema_id = 0;  // the later version, registered before contract
  std::string contract_refused{};       // the registry's words when it refused that version
  std::int64_t contract_refused_generation = 0;
  std::string contract_refused_at{};  // RFC 3339: when it refused (asked again after a while)
};

struct MigrationStatus {
  Phase phase = Phase::kPending;
  std::int64_t observed_generation = 0;
  std::string plan_hash;
  int expand_done = 0;                 // expand statements applied, in order
  int contract_done = 0;               // contract statements applied
  int rollback_done = 0;               // rollback statements applied
  std::optional<FlagMode> flag_mode;   // the mode of the last flag move
  std::optional<FlagMode> acked_mode;  // that move's mode, once its targets acknowledged it
  std::vector<TargetState> targets;    // each target's flag, by service
  std::optional<ApiStatus> api;
  std::optional<EventsStatus> events;
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
  const TargetState* target(const std::string& service) const;
  TargetState& target_entry(const std::string& service);  // added when missing
  // The mode written for a target; for a status written before targets had their own, the one
  // mode all of them were given (status.flags.mode).
  std::optional<FlagMode> target_mode(const std::string& service) const;
  nlohmann::json to_json() const;
  static MigrationStatus from_json(const nlohmann::json& status);
};

// Sets a condition; lastTransitionTime changes only when its status flips.
void set_condition(std::vector<Condition>& conditions, const std::string& type,
                   const std::string& status, const std::string& reason, const std::string& message,
                   std::int64_t generation, const std::string& now);

}  // namespace schemashift::migration
