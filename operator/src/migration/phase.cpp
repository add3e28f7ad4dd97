#include "migration/phase.h"

#include <array>
#include <utility>

namespace schemashift::migration {

namespace {
constexpr std::array<std::pair<Phase, const char*>, 13> kPhases{{
    {Phase::kPending, "Pending"},
    {Phase::kPlanned, "Planned"},
    {Phase::kExpanding, "Expanding"},
    {Phase::kDualWriting, "DualWriting"},
    {Phase::kBackfilling, "Backfilling"},
    {Phase::kVerifying, "Verifying"},
    {Phase::kReadSwitching, "ReadSwitching"},
    {Phase::kAwaitingContract, "AwaitingContract"},
    {Phase::kContracting, "Contracting"},
    {Phase::kCompleted, "Completed"},
    {Phase::kRollingBack, "RollingBack"},
    {Phase::kRolledBack, "RolledBack"},
    {Phase::kFailed, "Failed"},
}};
constexpr std::array<std::pair<FlagMode, const char*>, 4> kModes{{
    {FlagMode::kOld, "old"},
    {FlagMode::kDualWrite, "dual-write"},
    {FlagMode::kReadNew, "read-new"},
    {FlagMode::kNew, "new"},
}};
}  // namespace

std::string to_string(Phase p) {
  for (const auto& [v, s] : kPhases) {
    if (v == p) return s;
  }
  return "Unknown";
}

std::optional<Phase> phase_from_string(const std::string& s) {
  for (const auto& [v, name] : kPhases) {
    if (s == name) return v;
  }
  return std::nullopt;
}

bool is_terminal(Phase p) {
  return p == Phase::kCompleted || p == Phase::kRolledBack || p == Phase::kFailed;
}

bool can_roll_back(Phase p) {
  switch (p) {
    case Phase::kPending:
    case Phase::kPlanned:
    case Phase::kExpanding:
    case Phase::kDualWriting:
    case Phase::kBackfilling:
    case Phase::kVerifying:
    case Phase::kReadSwitching:
    case Phase::kAwaitingContract:
      return true;
    default:
      return false;
  }
}

std::string to_string(FlagMode m) {
  for (const auto& [v, s] : kModes) {
    if (v == m) return s;
  }
  return "old";
}

std::optional<FlagMode> flag_mode_from_string(const std::string& s) {
  for (const auto& [v, name] : kModes) {
    if (s == name) return v;
  }
  return std::nullopt;
}

}  // namespace schemashift::migration
