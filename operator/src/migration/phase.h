// Phase: where a SchemaMigration is in its lifecycle. Informational (status.phase, printer
// columns); tools judge health from the conditions.
//   Pending -> Planned -> Expanding -> DualWriting -> Backfilling -> Verifying ->
//   ReadSwitching -> AwaitingContract -> Contracting -> Completed
//   any phase before Contracting -> RollingBack -> RolledBack;  Failed when rollback cannot proceed
#pragma once

#include <optional>
#include <string>

namespace schemashift::migration {

enum class Phase {
  kPending,
  kPlanned,
  kExpanding,
  kDualWriting,
  kBackfilling,
  kVerifying,
  kReadSwitching,
  kAwaitingContract,
  kContracting,
  kCompleted,
  kRollingBack,
  kRolledBack,
  kFailed,
};

std::string to_string(Phase p);
std::optional<Phase> phase_from_string(const std::string& s);

// Completed, RolledBack and Failed: nothing more happens.
bool is_terminal(Phase p);
// Rollback is lossless, so always possible, before Contracting starts dropping the old shape.
bool can_roll_back(Phase p);

// The flag mode services are asked to run in (architecture.md: flags and the barrier).
enum class FlagMode { kOld, kDualWrite, kReadNew, kNew };
std::string to_string(FlagMode m);
std::optional<FlagMode> flag_mode_from_string(const std::string& s);

}  // namespace schemashift::migration
