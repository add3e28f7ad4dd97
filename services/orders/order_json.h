// The two API versions of an order:
//   v1 {id, customer_id, status, amount_cents}
//   v2 {id, customer_id, status, total_cents, currency: "EUR", amount: "12.34", metadata?}
// and the request bodies that create one (v1 ignores fields it does not know).
#pragma once

#include <nlohmann/json.hpp>

#include "order_store.h"

namespace schemashift::orders {

nlohmann::json v1_json(const Order& order);
nlohmann::json v2_json(const Order& order);

// v1: {customer_id, amount_cents, status?}
NewOrder parse_v1_order(const nlohmann::json& body);
// v2: {customer_id, total_cents, currency? ("EUR"), status?, metadata? (an object)}
NewOrder parse_v2_order(const nlohmann::json& body);

}  // namespace schemashift::orders
