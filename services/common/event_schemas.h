// OrderCreated, the event orders publishes and fulfillment consumes, in its three versions:
//   v1 {event_id, order_id, customer_id, total}          total: a decimal number (euros)
//   v2 v1 + {total_cents, currency}                      optional in the schema, so v2 reads
//                                                        v1 events
//   v3 {event_id, order_id, customer_id, total_cents, currency}   total dropped
// The objects are closed (additionalProperties: false): that is what lets the registry accept
// v2 under BACKWARD (an optional field added to a closed object), while v3, which drops a
// field, is a breaking change the subject's mode must allow (NONE) before it registers.
// Each JSON Schema's title names its version ("OrderCreated v2"): a consumer that fetched a
// schema by id knows which version it reads. Any known version is upcast to OrderCreated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace schemashift::svc {

inline constexpr const char* kOrdersTopic = "orders.order-created";
inline constexpr int kOrderCreatedVersions = 3;

// TopicNameStrategy: the value schema of `topic` lives under "<topic>-value".
std::string value_subject(const std::string& topic);

// The JSON Schema of OrderCreated `version` (1..3); throws std::out_of_range otherwise.
const nlohmann::json& order_created_schema(int version);
// The version a schema describes, from its title; nullopt for any other schema.
std::optional<int> order_created_version(const nlohmann::json& schema);

// The current in-memory shape, whatever version it arrived in.
struct OrderCreated {
  std::string event_id;
  std::int64_t order_id = 0;
  std::int64_t customer_id = 0;
  std::int64_t total_cents = 0;
  std::string currency = "EUR";
  int version = 0;  // the version it was published in
};

// The payload of `event` in `version` (1..3), for a producer.
nlohmann::json order_created_payload(const OrderCreated& event, int version);

// How a consumer reads the amount (fulfillment.order_events):
enum class TotalSource {
  kTotal,         // old: the decimal `total`, which v3 no longer has
  kPreferCents,   // dual-write, read-new: total_cents when present, else total
  kRequireCents,  // new: total_cents required from v2 on; v1 events are upcast from total
};

// Parses `payload` (JSON text) published under `schema`, checks it against the schema and
// upcasts it. The error is the dead-letter reason: "invalid JSON: ...", "missing required
// field \"order_id\"", "schema id is not an OrderCreated version", ...
Result<OrderCreated, std::string> decode_order_created(const nlohmann::json& schema,
                                                       std::string_view payload,
                                                       TotalSource source);

}  // namespace schemashift::svc
