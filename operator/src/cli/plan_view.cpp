#include "cli/plan_view.h"

#include <chrono>
#include <cmath>
#include <sstream>
#include <vector>

#include "migration/flag_moves.h"
#include "migration/phase.h"
#include "migration/spec.h"
#include "pg/lint.h"

namespace schemashift::cli {

namespace {

using nlohmann::json;

struct Marks {
  const char *bad, *warn, *arrow;
};

Marks marks_for(const ViewStyle& s) {
  return s.unicode ? Marks{"✗", "!", "→"} : Marks{"x", "!", "->"};
}

std::string ms(std::chrono::milliseconds d) {
  if (d.count() % 60000 == 0 && d.count() > 0) return std::to_string(d.count() / 60000) + "m";
  if (d.count() % 1000 == 0 && d.count() > 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// The flag moves of `phase`, each "flag -> mode: who (key on service)"; one per line.
std::vector<std::string> moves_text(const migration::MigrationSpec& spec, migration::Phase phase,
                                    const std::string& arrow) {
  // The registry's level decides the order of consumers and producers; the plan view does not
  // ask it, so it shows BACKWARD's (the default) and says so.
  const std::string level = spec.events ? "BACKWARD" : "";
  std::vector<std::string> out;
  for (const auto& m : migration::flag_moves(spec, phase, level)) {
    std::string who;
    for (const auto& svc : m.services) {
      for (const auto& t : spec.targets)
        if (t.service == svc)
          who += (who.empty() ? "" : ", ") + t.flag_key + " on " + t.service + " (Deployment " +
                 t.deployment + ")";
    }
    out.push_back("flag " + arrow + " " + migration::to_string(m.mode) + ": " + m.who + ": " + who +
                  "; waits until every live instance acknowledged");
  }
  return out;
}

std::string gate_action(gates::GateAction a) {
  switch (a) {
    case gates::GateAction::kThrottle:
      return "throttles the backfill";
    case gates::GateAction::kAbort:
      return "rolls back";
    case gates::GateAction::kEvidence:
      return "evidence before contract";
  }
  return "";
}

class Writer {
 public:
  explicit Writer(const ViewStyle& style) : m_(marks_for(style)) {}
  void phase(const std::string& name, const std::string& what) {
    out_ << "  " << ++n_ << ". " << name;
    if (!what.empty()) out_ << std::string(name.size() < 13 ? 13 - name.size() : 1, ' ') << what;
    out_ << "\n";
  }
  void line(const std::string& text) { out_ << "        " << text << "\n"; }
  void steps(const char* section, const std::vector<std::string>& sql) {
    for (std::size_t i = 0; i < sql.size(); ++i)
      line(std::string(section) + ".sql[" + std::to_string(i) + "]  " + sql[i]);
  }
  std::ostringstream& raw() { return out_; }
  const Marks& marks() const { return m_; }

 private:
  Marks m_;
  std::ostringstream out_;
  int n_ = 0;
};

}  // namespace

PlanReport render_plan(const json& migration, const ViewStyle& style, const PlanContext& context) {
  PlanReport r;
  Writer w(style);
  const auto& meta = migration.value("metadata", json::object());
  const std::string ns = meta.value("namespace", ""), name = meta.value("name", "(no name)");
  w.raw() << "SchemaMigration " << (ns.empty() ? "" : ns + "/") << name << "\n";
  auto parsed = migration::parse_spec(migration);
  if (!parsed) {
    r.refused = true;
    w.raw() << "  refused: the spec is not valid\n";
    for (const auto& e : parsed.error())
      w.raw() << "    " << w.marks().bad << " " << e.describe() << "\n";
    r.text = w.raw().str();
    return r;
  }
  const auto& spec = *parsed;
  const bool flags = !spec.targets.empty();
  const bool trigger = spec.dual_write.mode == migration::DualWriteMode::kTrigger;
  if (spec.database) {
    w.raw() << "  database: Secret " << spec.database->name << ", key " << spec.database->key
            << "; each DDL step under lock_timeout " << ms(spec.lock_timeout)
            << " (retried with backoff), statement_timeout " << ms(spec.statement_timeout) << "\n";
  }
  for (const auto& t : spec.targets) {
    if (t.database)
      w.raw() << "  target " << t.service << ": flags in Secret " << t.database->name << ", key "
              << t.database->key << "\n";
  }
  const std::string arrow = w.marks().arrow;
  if (spec.events) {
    w.raw() << "  events: subject " << spec.events->subject << " at " << spec.events->registry_url
            << "; the order of consumers and producers follows the subject's level (shown: "
               "BACKWARD, consumers first)\n";
  }
  if (spec.api) {
    w.raw() << "  api: " << spec.api->old_version << " of " << spec.api->service
            << " retired; contract waits for "
            << std::chrono::duration_cast<std::chrono::seconds>(spec.api->window).count()
            << " s without an " << spec.api->old_version << " call from any client\n";
  }

  w.phase("Plan",
          "lint every step, resolve each table once (schema-qualified, by OID), register them");
  if (spec.events)
    w.line("the registry checks spec.events.schema against subject " + spec.events->subject +
           " under its level; a refusal stops here");
  if (spec.events) {
    w.phase("Expand", "register spec.events.schema; the migration records its id");
  }
  if (!spec.expand_sql.empty()) {
    w.phase("Expand", "each step once, recorded in the same transaction");
    w.steps("expand", spec.expand_sql);
  }
  if (trigger) {
    w.phase("Dual-write", "a trigger on " + spec.dual_write.table + " keeps " +
                              spec.dual_write.old_column + " and " + spec.dual_write.new_column +
                              " in step (up: " + spec.dual_write.up +
                              "; down: " + spec.dual_write.down + ")");
  } else if (auto moves = moves_text(spec, migration::Phase::kDualWriting, arrow); !moves.empty()) {
    w.phase("Dual-write", moves.front());
    for (std::size_t i = 1; i < moves.size(); ++i) w.line("then " + moves[i]);
  }
  if (spec.backfill) {
    const auto& b = *spec.backfill;
    std::string keys = b.key_column;
    if (!b.key_columns.empty()) {
      keys.clear();
      for (const auto& k : b.key_columns) keys += (keys.empty() ? "" : ", ") + k;
    }
    w.phase("Backfill", b.table + " in key order (" + keys + "), checkpointed after every batch");
    w.line("SET " + b.set + (b.pending_where.empty() ? "" : "  WHERE " + b.pending_where));
    w.line("batches of " + std::to_string(b.min_batch) + " to " + std::to_string(b.max_batch) +
           " rows, sized to " + ms(b.target_batch_duration) + " each" +
           (b.duty_cycle < 1
                ? ", duty cycle " + std::to_string(static_cast<int>(b.duty_cycle * 100)) + "%"
                : std::string()));
  }
  const std::size_t checks = spec.checks.size() + spec.checksums.size() + spec.foreign_keys.size() +
                             (spec.backfill && !spec.backfill->pending_where.empty() ? 1 : 0);
  if (checks) {
    w.phase("Verify", "stops and rolls back on any difference, naming the row");
    if (spec.backfill && !spec.backfill->pending_where.empty())
      w.line("no row still matches " + spec.backfill->pending_where);
    for (const auto& c : spec.checks) w.line("check " + c.name + ": " + c.sql + " = " + c.expect);
    for (const auto& c : spec.checksums)
      w.line("checksum " + c.name + ": " + c.old_expr + " against " + c.new_expr +
             " on every row of " + c.table);
    for (const auto& f : spec.foreign_keys)
      w.line("foreign key " + f.name + ": every " + f.parent_table + " row has its " +
             f.child_table + " row");
  }
  if (auto moves = moves_text(spec, migration::Phase::kReadSwitching, arrow); !moves.empty()) {
    w.phase("Read switch", moves.front());
    for (std::size_t i = 1; i < moves.size(); ++i) w.line("then " + moves[i]);
  }
  std::string evidence;
  for (const auto& g : spec.gates) {
    if (g.action == gates::GateAction::kEvidence)
      evidence += (evidence.empty() ? "" : ", ") + g.name;
  }
  w.phase("Await", spec.approval == migration::Approval::kAuto
                       ? std::string("contract starts on its own (approval: Auto)")
                       : "waits for approval: " + (context.approve_command.empty()
                                                       ? "kubectl schemashift approve " + name
                                                       : context.approve_command));
  if (!evidence.empty()) w.line("and for the evidence of " + evidence);
  if (!spec.contract_sql.empty() || flags) {
    w.phase("Contract", flags ? "the flags, then each step once"
                              : "each step once, recorded in the same transaction");
    if (spec.events && spec.events->contract_schema)
      w.line("first the registry checks spec.events.contractSchema, then it is registered");
    for (const auto& m : moves_text(spec, migration::Phase::kContracting, arrow)) w.line(m);
    w.steps("contract", spec.contract_sql);
  }
  w.phase("Completed", "");
  w.raw() << "  Rollback, possible until Contract starts (abort, a failing gate or check):\n";
  for (const auto& m : moves_text(spec, migration::Phase::kRollingBack, arrow)) w.line(m);
  if (spec.rollback_sql.empty()) w.line("no rollback SQL: the new structures stay");
  w.steps("rollback", spec.rollback_sql);
  if (!spec.gates.empty()) {
    w.raw() << "  Gates:\n";
    for (const auto& g : spec.gates) {
      std::ostringstream limit;
      if (g.max == std::floor(g.max) && std::abs(g.max) < 1e15)
        limit << static_cast<long long>(g.max);
      else
        limit << g.max;
      w.line(g.name + " (" + g.provider + ") " + gate_action(g.action) + " above " + limit.str() +
             ", every " + ms(g.interval) + (g.dry_run ? ", dry run" : ""));
    }
  }

  std::vector<pg::Finding> findings;
  for (auto [section, list] : {std::pair{pg::Section::kExpand, &spec.expand_sql},
                               std::pair{pg::Section::kContract, &spec.contract_sql},
                               std::pair{pg::Section::kRollback, &spec.rollback_sql}}) {
    for (auto& f : pg::lint(section, *list, context.sizes ? *context.sizes : pg::TableSizes{}))
      findings.push_back(std::move(f));
  }
  int errors = 0;
  for (const auto& f : findings) errors += f.error;
  if (findings.empty()) {
    w.raw() << "  Lint: no finding\n";
  } else {
    w.raw() << "  Lint (" << errors << " refusing, " << findings.size() - errors << " warnings):\n";
    for (const auto& f : findings)
      w.raw() << "    " << (f.error ? w.marks().bad : w.marks().warn) << " " << f.describe() << " ["
              << f.rule << "]\n";
  }
  r.refused = errors > 0;
  if (r.refused) w.raw() << "  refused: the operator would stop at Planned with these findings\n";
  r.text = w.raw().str();
  return r;
}

}  // namespace schemashift::cli
