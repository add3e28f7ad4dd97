// The fulfillment database: shipments (one per order, order_id UNIQUE) and processed_events,
// written together so each OrderCreated takes effect exactly once.
#pragma once

#include <string>
#include <vector>

namespace schemashift::fulfillment {

std::vector<std::string> baseline_statements();

}  // namespace schemashift::fulfillment
