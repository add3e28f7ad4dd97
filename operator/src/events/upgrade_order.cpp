#include "events/upgrade_order.h"

namespace schemashift::events {

Result<UpgradeOrder, std::string> upgrade_order(const std::string& level) {
  if (level == "BACKWARD" || level == "BACKWARD_TRANSITIVE") return UpgradeOrder::kConsumersFirst;
  if (level == "FORWARD" || level == "FORWARD_TRANSITIVE") return UpgradeOrder::kProducersFirst;
  if (level == "FULL" || level == "FULL_TRANSITIVE" || level == "NONE")
    return UpgradeOrder::kTogether;
  return fail("unknown compatibility level \"" + level +
              "\" (expected BACKWARD, FORWARD, FULL, their _TRANSITIVE forms, or NONE)");
}

const char* to_string(UpgradeOrder order) {
  switch (order) {
    case UpgradeOrder::kConsumersFirst:
      return "consumers first";
    case UpgradeOrder::kProducersFirst:
      return "producers first";
    case UpgradeOrder::kTogether:
      return "together";
  }
  return "together";
}

}  // namespace schemashift::events
