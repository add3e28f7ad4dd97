#include "migration/flag_moves.h"

#include <algorithm>
#include <functional>

#include "events/upgrade_order.h"

namespace schemashift::migration {

namespace {

std::vector<std::string> services_where(const MigrationSpec& spec,
                                        const std::function<bool(const Target&)>& pick) {
  std::vector<std::string> out;
  for (const auto& t : spec.targets)
    if (pick(t)) out.push_back(t.service);
  return out;
}

void add(std::vector<FlagMove>& moves, FlagMode mode, std::vector<std::string> services,
         std::string who) {
  if (!services.empty()) moves.push_back({mode, std::move(services), std::move(who)});
}

}  // namespace

std::vector<FlagMove> flag_moves(const MigrationSpec& spec, Phase phase,
                                 const std::string& compatibility) {
  std::vector<FlagMove> moves;
  using events::UpgradeOrder;
  const auto level = events::upgrade_order(compatibility);
  const UpgradeOrder order = level ? *level : UpgradeOrder::kTogether;
  // Consumer and producer targets in two groups (first, second), by the subject's level; a
  // target that both consumes and produces goes with the first.
  auto first = [&](const Target& t) {
    switch (order) {
      case UpgradeOrder::kConsumersFirst:
        return t.has(kConsumer);
      case UpgradeOrder::kProducersFirst:
        return t.has(kProducer);
      case UpgradeOrder::kTogether:
        return t.has(kConsumer) || t.has(kProducer);
    }
    return false;
  };
  auto second = [&](const Target& t) {
    return (t.has(kConsumer) || t.has(kProducer)) && !first(t);
  };
  const char* first_who = order == UpgradeOrder::kConsumersFirst   ? "consumers"
                          : order == UpgradeOrder::kProducersFirst ? "producers"
                                                                   : "producers and consumers";
  const char* second_who = order == UpgradeOrder::kConsumersFirst ? "producers" : "consumers";
  switch (phase) {
    case Phase::kDualWriting: {
      auto group = services_where(
          spec, [&](const Target& t) { return first(t) || (t.has(kWriter) && !second(t)); });
      const bool events = std::any_of(spec.targets.begin(), spec.targets.end(), first);
      const bool writers = std::any_of(spec.targets.begin(), spec.targets.end(), [&](auto& t) {
        return t.has(kWriter) && !first(t) && !second(t);
      });
      add(moves, FlagMode::kDualWrite, std::move(group),
          events && writers ? std::string("writers and ") + first_who
          : events          ? std::string(first_who)
                            : std::string("writers"));
      add(moves, FlagMode::kDualWrite,
          services_where(spec, [&](const Target& t) { return second(t); }), second_who);
      break;
    }
    case Phase::kReadSwitching:
      add(moves, FlagMode::kReadNew,
          services_where(spec, [](const Target& t) { return t.has(kReader); }), "readers");
      break;
    case Phase::kContracting:
      add(moves, FlagMode::kNew, services_where(spec, [&](const Target& t) { return !second(t); }),
          "every target");
      add(moves, FlagMode::kNew, services_where(spec, [&](const Target& t) { return second(t); }),
          second_who);
      break;
    case Phase::kRollingBack:
      add(moves, FlagMode::kOld,
          services_where(spec, [](const Target& t) { return t.has(kProducer); }), "producers");
      add(moves, FlagMode::kOld,
          services_where(spec, [](const Target& t) { return !t.has(kProducer); }),
          moves.empty() ? "every target" : "every other target");
      break;
    default:
      break;
  }
  return moves;
}

}  // namespace schemashift::migration
