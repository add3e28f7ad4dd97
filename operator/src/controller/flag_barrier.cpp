#include "controller/flag_barrier.h"

#include "flags/flag_store.h"

namespace schemashift::controller {

std::optional<migration::FlagMode> acknowledged_mode(pqxx::connection& conn,
                                                     const migration::MigrationSpec& spec,
                                                     const migration::MigrationStatus& status,
                                                     const ReadyReplicas& ready,
                                                     std::string* detail) {
  if (!status.flag_mode || spec.targets.empty()) return std::nullopt;
  const std::string value = migration::to_string(*status.flag_mode);
  bool all = true;
  std::string text;
  for (const auto& t : spec.targets) {
    std::int64_t generation;
    {
      pqxx::nontransaction nt(conn);
      auto g = nt.exec_params(
          "SELECT generation FROM schemashift.flags WHERE key "
          "OPERATOR(pg_catalog.=) $1::pg_catalog.text",
          t.flag_key);
      if (g.empty()) return std::nullopt;
      generation = g[0][0].as<std::int64_t>();
    }
    const auto r = ready.find(t.deployment);
    const int required = r == ready.end() ? 0 : r->second;
    auto b = flags::barrier(conn, t.flag_key, generation, value, {t.service}, required);
    all = all && b.held;
    text += (text.empty() ? "" : "; ") + t.service + ": " + b.describe();
  }
  if (detail) *detail = text;
  return all ? status.flag_mode : std::nullopt;
}

}  // namespace schemashift::controller
