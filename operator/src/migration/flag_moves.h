// Which targets' flags move in a phase, to which mode, in which order. Each move is carried out
// (the flags written in each target's database) and waited for (every live instance of those
// targets acknowledged) before the next:
//   DualWriting     writers, producers and consumers -> dual-write
//   ReadSwitching   readers -> read-new
//   Contracting     every target -> new
//   RollingBack     producers -> old first (no new-format event is published any more), then
//                   every other target -> old
// Producers and consumers go in the order the event subject's compatibility level asks:
// BACKWARD (and _TRANSITIVE) consumers first, FORWARD producers first, FULL or none together.
// In a rollback consumers go last: they keep reading what was already published.
#pragma once

#include <string>
#include <vector>

#include "migration/phase.h"
#include "migration/spec.h"

namespace schemashift::migration {

struct FlagMove {
  FlagMode mode = FlagMode::kOld;
  std::vector<std::string> services{};  // the targets it moves, in spec order
  std::string who{};                    // for events: "consumers", "writers and producers", ...
};

// The moves of `phase` (none for a phase that moves no flag). `compatibility` is the subject's
// level as the plan read it ("" without spec.events; the order is events::upgrade_order's,
// and a level it does not know, which the plan refuses, moves both sides together).
std::vector<FlagMove> flag_moves(const MigrationSpec& spec, Phase phase,
                                 const std::string& compatibility);

}  // namespace schemashift::migration
