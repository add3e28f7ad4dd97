// Which side of an event subject moves first, by the subject's compatibility level: under
// BACKWARD the new schema reads old events, so consumers upgrade before producers publish it;
// under FORWARD old consumers read new events, so producers go first; FULL and NONE leave the
// order free (both move together). NONE checks nothing, so it promises nothing either way.
#pragma once

#include <string>

#include "common/result.h"

namespace schemashift::events {

enum class UpgradeOrder { kConsumersFirst, kProducersFirst, kTogether };

// BACKWARD, BACKWARD_TRANSITIVE -> consumers first; FORWARD, FORWARD_TRANSITIVE -> producers
// first; FULL, FULL_TRANSITIVE, NONE -> together. Any other level is an error naming it.
Result<UpgradeOrder, std::string> upgrade_order(const std::string& level);

const char* to_string(UpgradeOrder order);  // "consumers first", ...

}  // namespace schemashift::events
