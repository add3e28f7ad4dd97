#include "controller/flag_barrier.h"

#include "flags/flag_store.h"

namespace schemashift::controller {

TargetBarrier target_barrier(pqxx::connection& conn, const migration::Target& t,
                             migration::FlagMode mode, int ready_replicas) {
  std::int64_t generation;
  {
    pqxx::nontransaction nt(conn);
    auto g = nt.exec_params(
        "SELECT generation FROM schemashift.flags WHERE key "
        "OPERATOR(pg_catalog.=) $1::pg_catalog.text",
        t.flag_key);
    if (g.empty()) return {false, "flag " + t.flag_key + " not written yet"};
    generation = g[0][0].as<std::int64_t>();
  }
  auto b = flags::barrier(conn, t.flag_key, generation, migration::to_string(mode), {t.service},
                          ready_replicas);
  return {b.held, b.describe()};
}

std::optional<migration::FlagMode> acknowledged_mode(pqxx::connection& conn,
                                                     const migration::MigrationSpec& spec,
                                                     const migration::MigrationStatus& status,
                                                     const ReadyReplicas& ready,
                                                     std::string* detail) {
  if (spec.targets.empty()) return std::nullopt;
  std::optional<migration::FlagMode> common;
  bool all = true;
  std::string text;
  for (const auto& t : spec.targets) {
    const auto mode = status.target_mode(t.service);
    if (!mode) return std::nullopt;
    if (common && *common != *mode) all = false;
    common = mode;
    const auto r = ready.find(t.deployment);
    auto b = target_barrier(conn, t, *mode, r == ready.end() ? 0 : r->second);
    all = all && b.held;
    text += (text.empty() ? "" : "; ") + t.service + ": " + b.detail;
  }
  if (detail) *detail = text;
  return all ? common : std::nullopt;
}

}  // namespace schemashift::controller
