// The probes: /healthz (the process serves: 200 always) and /readyz (200 only when the
// database answers, the flags were loaded and the instance is not shutting down; else 503),
// both with {"status":..,"checks":{"database":"ok|down","flags":"loaded|pending",
// "shutdown":false, ...the service's own checks}}.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "flag_modes.h"
#include "http_server.h"
#include "lifecycle.h"
#include "pg_pool.h"

namespace schemashift::svc {

// A further readiness condition of the service (e.g. "kafka"): true when ready.
struct HealthCheck {
  std::string name;
  std::function<bool()> ok;
};

void add_health_routes(HttpServer& server, PgPool& pool, const Flags& flags,
                       const Lifecycle& lifecycle, std::vector<HealthCheck> extra = {});

}  // namespace schemashift::svc
