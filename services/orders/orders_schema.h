// The orders database as the service first created it: orders (amount in cents) and the
// outbox its relay publishes OrderCreated from. Migrations add orders.amount and
// orders.metadata later; the baseline never re-adds what a migration dropped.
#pragma once

#include <string>
#include <vector>

namespace schemashift::orders {

std::vector<std::string> baseline_statements();

}  // namespace schemashift::orders
