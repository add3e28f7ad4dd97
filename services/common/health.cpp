#include "health.h"

namespace schemashift::svc {

void add_health_routes(HttpServer& server, PgPool& pool, const Flags& flags,
                       const Lifecycle& lifecycle, std::vector<HealthCheck> extra) {
  server.get("/healthz", [](const Request&) {
    return Response{.status = 200, .body = {{"status", "alive"}}, .headers = {}};
  });
  server.get("/readyz", [&pool, &flags, &lifecycle, extra = std::move(extra)](const Request&) {
    const bool shutting_down = lifecycle.shutting_down();
    const bool database = pool.healthy();
    const bool loaded = flags.loaded();
    bool ready = database && loaded && lifecycle.ready();
    nlohmann::json checks = {{"database", database ? "ok" : "down"},
                             {"flags", loaded ? "loaded" : "pending"},
                             {"shutdown", shutting_down}};
    for (const auto& check : extra) {
      const bool ok = check.ok();
      checks[check.name] = ok ? "ok" : "down";
      ready = ready && ok;
    }
    return Response{.status = ready ? 200 : 503,
                    .body = {{"status", ready ? "ready" : "not_ready"}, {"checks", checks}},
                    .headers = {}};
  });
}

}  // namespace schemashift::svc
