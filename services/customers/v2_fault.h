// Test-only fault injection: a /v2 that fails some reads, as a bug in the v2 rendering would,
// so an end-to-end test can show that a consumer switched from /v1 to /v2 (fulfillment, by
// fulfillment.customers_api) breaches its error rate and is rolled back to /v1 on its own.
// GET /v2/customers/{id} for an id listed in --fault-v2-customer-ids / FAULT_V2_CUSTOMER_IDS
// ("9001,9002") answers 500; every other request, and /v1 for the same ids, is untouched.
// Empty, the default and what the charts set unless told otherwise: no effect.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "http_server.h"

namespace schemashift::customers {

// "9001, 9002" -> {9001, 9002}; "" -> {}. Anything else throws std::invalid_argument naming
// the bad entry.
std::set<std::int64_t> parse_fault_ids(const std::string& csv);

// `h`, except that a GET of a listed id throws (the server answers 500 and logs it).
svc::Handler failing_v2_reads(std::set<std::int64_t> ids, svc::Handler h);

}  // namespace schemashift::customers
