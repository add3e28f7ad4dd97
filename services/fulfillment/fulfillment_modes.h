// The flags fulfillment knows:
//   fulfillment.customers_api   old, dual-write: read customers /v1; read-new, new: /v2;
//   fulfillment.order_events    old: the amount from `total` (v3 events cannot be read);
//                               dual-write, read-new: total_cents when present;
//                               new: total_cents required from v2 on (v1 still upcast).
#pragma once

#include "event_schemas.h"
#include "flag_modes.h"

namespace schemashift::fulfillment {

inline constexpr const char* kCustomersApiFlag = "fulfillment.customers_api";
inline constexpr const char* kOrderEventsFlag = "fulfillment.order_events";

void know_fulfillment_flags(svc::Flags& flags);

enum class CustomersApi { kV1, kV2 };
CustomersApi customers_api_for(svc::FlagMode mode);
svc::TotalSource total_source_for(svc::FlagMode mode);

}  // namespace schemashift::fulfillment
