// The customers database: its baseline (before any migration: scenario 2 adds
// preferred_language, 4 the addresses table, 5 given_name) and the columns each flag mode
// needs, which decide whether the service may acknowledge that mode.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "flag_modes.h"
#include "pg_pool.h"

namespace schemashift::customers {

std::vector<std::string> baseline_statements();

// The flag keys the customers service knows.
inline constexpr const char* kPreferredLanguage = "customers.preferred_language";
inline constexpr const char* kAddresses = "customers.addresses";
inline constexpr const char* kGivenName = "customers.given_name";
inline constexpr const char* kV1Lifecycle = "customers.v1_lifecycle";

// The table.column names that `mode` of `key` reads or writes ("customers.given_name").
std::vector<std::string> columns_needed(const std::string& key, svc::FlagMode mode);

// Declares the keys in `flags`, each refusing a mode whose columns are missing from the
// database behind `pool` (so a flag set before its expand DDL is never acknowledged).
void know_customer_flags(svc::Flags& flags, svc::PgPool& pool);

}  // namespace schemashift::customers
