// The flags orders knows and what each mode needs before it can be acknowledged:
//   orders.metadata       dual-write and later need the column orders.metadata;
//   orders.amount         dual-write and later need the column orders.amount;
//   orders.event_version  old publishes OrderCreated v1, dual-write and read-new v2, new v3;
//                         a version is accepted once the registry registered it (so the
//                         subject's compatibility mode allowed it).
#pragma once

#include <string>

#include "flag_modes.h"
#include "pg_pool.h"
#include "registered_schemas.h"

namespace schemashift::orders {

inline constexpr const char* kMetadataFlag = "orders.metadata";
inline constexpr const char* kAmountFlag = "orders.amount";
inline constexpr const char* kEventVersionFlag = "orders.event_version";

// The modes one request works with (read once, so a flag change mid-request cannot mix them).
struct OrderModes {
  svc::FlagMode metadata = svc::FlagMode::kOld;
  svc::FlagMode amount = svc::FlagMode::kOld;
  svc::FlagMode event_version = svc::FlagMode::kOld;
};

OrderModes current_modes(const svc::Flags& flags);

// The OrderCreated version `mode` publishes.
int event_version_for(svc::FlagMode mode);

// Declares the three keys on `flags` with their preconditions.
void know_order_flags(svc::Flags& flags, svc::PgPool& pool, svc::RegisteredSchemas& schemas);

}  // namespace schemashift::orders
