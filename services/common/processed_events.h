// De-duplication of consumed events: processed_events(event_id PRIMARY KEY, processed_at)
// is written in the same transaction as the event's effect, so an event redelivered after a
// crash or a rebalance (Kafka is at-least-once) takes effect exactly once.
#pragma once

#include <string>

#include <pqxx/pqxx>

namespace schemashift::svc {

// The table's DDL, for the service's baseline schema.
inline constexpr const char* kProcessedEventsDdl =
    "CREATE TABLE IF NOT EXISTS processed_events (event_id text PRIMARY KEY, "
    "processed_at timestamptz NOT NULL DEFAULT now())";

// Records `event_id` in `tx`; false when it was already processed (then skip the effect).
bool first_delivery(pqxx::work& tx, const std::string& event_id);

}  // namespace schemashift::svc
