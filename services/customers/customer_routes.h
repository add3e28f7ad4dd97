// The customers API: /v1/customers (flat) and /v2/customers (nested), each with list (limit
// and after paging), get, create and replace, and their OpenAPI documents. `failing_v2_ids`:
// the test-only fault of v2_fault.h (empty: none).
#pragma once

#include <cstdint>
#include <set>

#include "customer_store.h"
#include "flag_modes.h"
#include "http_server.h"
#include "v1_lifecycle.h"

namespace schemashift::customers {

void add_customer_routes(svc::HttpServer& server, CustomerStore& store, const svc::Flags& flags,
                         const V1Retirement& retirement,
                         const std::set<std::int64_t>& failing_v2_ids = {});

}  // namespace schemashift::customers
