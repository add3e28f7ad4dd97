#include "standalone/commands.h"

#include <chrono>
#include <istream>
#include <ostream>
#include <set>
#include <thread>

#include <pqxx/pqxx>

#include "cli/plan_view.h"
#include "common/time.h"
#include "controller/pg_runner.h"
#include "controller/planner.h"
#include "controller/reconcile_round.h"
#include "pg/dsn.h"
#include "pg/lint.h"
#include "pg/tables.h"
#include "standalone/manifest.h"
#include "standalone/progress_line.h"
#include "standalone/status_store.h"

namespace schemashift::standalone {

namespace {

using migration::Phase;

struct Loaded {
  Manifest manifest;
  migration::MigrationSpec spec;
};

// The manifest and its spec, or the exit code after saying what is wrong (field paths).
std::optional<Loaded> load(const Invocation& inv, std::istream& in, std::ostream& err) {
  auto m = read_manifest(inv.file, in, inv.name, inv.ns);
  if (!m) {
    err << "error: " << m.error() << "\n";
    return std::nullopt;
  }
  auto spec = read_spec(*m);
  if (!spec) {
    err << "error: " << inv.file << ": the spec is not valid\n";
    for (const auto& e : spec.error()) err << "  " << e.describe() << "\n";
    return std::nullopt;
  }
  return Loaded{std::move(*m), std::move(*spec)};
}

std::optional<pg::Conninfo> conninfo(const Invocation& inv, std::ostream& err) {
  if (inv.dsn.empty()) {
    err << "error: --dsn is required (or set SCHEMASHIFT_DSN)\n";
    return std::nullopt;
  }
  auto c = pg::parse_dsn(inv.dsn);
  if (!c) {
    err << "error: --dsn: " << c.error() << "\n";
    return std::nullopt;
  }
  return *c;
}

std::vector<pg::Finding> lint_all(const migration::MigrationSpec& spec,
                                  const pg::TableSizes& sizes) {
  std::vector<pg::Finding> out;
  for (auto [section, list] : {std::pair{pg::Section::kExpand, &spec.expand_sql},
                               std::pair{pg::Section::kContract, &spec.contract_sql},
                               std::pair{pg::Section::kRollback, &spec.rollback_sql}}) {
    for (auto& f : pg::lint(section, *list, sizes)) out.push_back(std::move(f));
  }
  return out;
}

std::string steps_text(const migration::MigrationSpec& spec, const migration::MigrationStatus& s) {
  std::string t =
      "expand " + std::to_string(s.expand_done) + "/" + std::to_string(spec.expand_sql.size());
  if (spec.backfill) t += ", backfill " + backfill_progress_text(s.backfill);
  t += std::string(", verify ") + (s.verified                 ? "passed"
                                   : s.verify_failure.empty() ? "pending"
                                                              : "failed");
  t += ", contract " + std::to_string(s.contract_done) + "/" +
       std::to_string(spec.contract_sql.size());
  if (s.rollback_done > 0 || s.phase == Phase::kRollingBack || s.phase == Phase::kRolledBack)
    t += ", rollback " + std::to_string(s.rollback_done) + "/" +
         std::to_string(spec.rollback_sql.size());
  return t;
}

bool condition_true(const migration::MigrationStatus& s, const char* type) {
  const auto* c = s.condition(type);
  return c && c->status == "True";
}

std::string condition_message(const migration::MigrationStatus& s, const char* type) {
  const auto* c = s.condition(type);
  return c ? c->message : "";
}

// Runs rounds until the migration ends, waits for approval, stalls or is interrupted.
int drive(const Invocation& inv, const Loaded& l, bool rollback, std::ostream& out,
          std::ostream& err) {
  const std::string& dsn = inv.dsn;
  auto info = conninfo(inv, err);
  if (!info) return kBadInput;
  migration::MigrationSpec spec = l.spec;
  spec.approve = spec.approve || inv.approve;
  spec.abort = spec.abort || rollback;
  const std::string key = l.manifest.key(), uid = l.manifest.uid();

  auto runner = controller::PgRunner::connect(key, dsn, uid);
  if (!runner) {
    err << "error: " << pg::scrub(runner.error().message, dsn) << "\n";
    return kFailed;
  }
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<StatusStore> store;
  migration::MigrationStatus status;
  bool ran_before = false;
  try {
    conn = std::make_unique<pqxx::connection>(info->conninfo);
    store = std::make_unique<StatusStore>(*conn);
    if (auto s = store->load(key, uid)) {
      status = *s;
      ran_before = true;
    }
  } catch (const std::exception& e) {
    err << "error: the status store: " << pg::scrub(e.what(), dsn) << "\n";
    return kFailed;
  }
  ProgressLine progress(out, inv.terminal);
  out << "SchemaMigration " << key << " on " << info->display << "\n" << std::flush;
  if (rollback && !ran_before) {
    out << "never applied: nothing to roll back\n";
    return kDone;
  }
  if (rollback && status.phase == Phase::kCompleted) {
    err << "error: the migration completed (contract has run): it cannot be rolled back\n";
    return kFailed;
  }
  if (ran_before && !migration::is_terminal(status.phase))
    out << "resuming at phase " << migration::to_string(status.phase) << "\n";

  Phase shown = ran_before ? status.phase : Phase::kPending;
  int failures = 0, rounds = 0;
  const auto save = [&](const migration::MigrationStatus& s) {
    try {
      store->save(key, uid, s);
    } catch (const std::exception& e) {
      progress.say("warning: status not saved: " + pg::scrub(e.what(), dsn));
    }
  };
  const std::string table = spec.backfill ? spec.backfill->table : "";
  while (true) {
    if (status.phase == Phase::kCompleted) {
      progress.say("Completed");
      return kDone;
    }
    if (status.phase == Phase::kRolledBack) {
      progress.say("RolledBack: " + status.rollback_reason);
      return rollback ? kDone : kFailed;
    }
    if (status.phase == Phase::kFailed) {
      progress.say("Failed: " + status.last_error);
      return kFailed;
    }
    if (condition_true(status, "AwaitingApproval") && !spec.approve && !rollback) {
      progress.say("AwaitingContract: contract waits for approval; run `schemashift apply " +
                   inv.file + " --approve` (or `schemashift rollback " + inv.file + "`)");
      return kAwaitingApproval;
    }
    // Judged on this run's own rounds: a stall an earlier run left (a rejected plan) is looked
    // at again, since the manifest may have been fixed since.
    if (rounds > 0 && condition_true(status, "Stalled")) {
      const auto* c = status.condition("Stalled");
      progress.say("Stalled (" + c->reason + "): " + c->message);
      return c->reason == "PlanRejected" ? kBadInput : kFailed;
    }
    if (inv.stop && inv.stop->load()) {
      progress.say("interrupted at phase " + migration::to_string(status.phase) +
                   "; the same command resumes it");
      return kInterrupted;
    }
    migration::Observations obs;
    if (!spec.targets.empty()) {
      // No Deployment to count: the barrier waits for every live instance's acknowledgement.
      controller::observe_barriers(**runner, spec, status, {}, obs);
    }
    controller::RoundHooks hooks;
    hooks.phase_started = [&](const migration::MigrationStatus& next) {
      save(next);
      if (next.phase != shown) progress.say(migration::to_string(next.phase));
      shown = next.phase;
    };
    hooks.warn = [&](const std::string& w) { progress.say("warning: " + w); };
    controller::Round round =
        controller::run_round(runner->get(), spec, status, obs, hooks, rfc3339_now());
    status = round.next;
    ++rounds;
    save(status);
    for (const auto& e : round.decision.events) {
      if (e.type == "Warning") progress.say("warning: " + e.reason + ": " + e.note);
    }
    if (status.phase != shown && !migration::is_terminal(status.phase)) {
      progress.say(migration::to_string(status.phase));
      shown = status.phase;
    }
    if (status.phase == Phase::kBackfilling ||
        (status.backfill.complete && !table.empty() && shown == Phase::kBackfilling)) {
      progress.backfill(table, status.backfill);
    }
    if (round.failed) {
      progress.say("retrying: " + status.last_error);
      if (++failures >= 30) {
        err << "error: gave up after 30 failed attempts: " << status.last_error << "\n";
        return kFailed;
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    failures = 0;
    if (round.decision.actions.empty()) {
      auto wait = round.decision.requeue_after.value_or(std::chrono::milliseconds(500));
      std::this_thread::sleep_for(
          std::min<std::chrono::milliseconds>(wait, std::chrono::seconds(1)));
    }
  }
}

}  // namespace

int lint_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err) {
  auto l = load(inv, in, err);
  if (!l) return kBadInput;
  int errors = 0;
  for (const auto& f : lint_all(l->spec, {})) {
    (f.error ? err : out) << (f.error ? "error: " : "warning: ") << f.describe() << " [" << f.rule
                          << "]\n";
    errors += f.error;
  }
  if (errors) {
    err << inv.file << ": refused by lint (" << errors << (errors == 1 ? " finding" : " findings")
        << "; every table counts as large without a database: `schemashift plan --dsn` asks "
           "their sizes)\n";
    return kBadInput;
  }
  out << inv.file << ": SchemaMigration " << l->manifest.key() << " is valid\n";
  return kDone;
}

int plan_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err) {
  auto l = load(inv, in, err);
  if (!l) return kBadInput;
  auto info = conninfo(inv, err);
  if (!info) return kBadInput;
  pg::TableSizes sizes;
  std::vector<std::string> lines;
  try {
    pqxx::connection conn(info->conninfo);
    auto tx = std::make_unique<pqxx::read_transaction>(conn);
    std::set<std::string> seen;
    std::vector<pg::TableName> names;
    for (const auto* list : {&l->spec.expand_sql, &l->spec.contract_sql, &l->spec.rollback_sql})
      for (const auto& sql : *list)
        for (auto& t : pg::tables_in(sql)) names.push_back(t);
    if (l->spec.backfill)
      if (auto t = pg::parse_table_name(l->spec.backfill->table)) names.push_back(*t);
    for (const auto& t : names) {
      if (!seen.insert(t.display()).second) continue;
      const auto r = controller::resolve_table(*tx, t);
      if (r.rows >= 0) sizes[t.display()] = r.rows;
      lines.push_back(t.display() + " (" + r.table.qualified + "): " +
                      (r.rows >= 0 ? "~" + std::to_string(r.rows) + " rows" +
                                         (r.rows < pg::kSmallTable ? " (small)" : " (large)")
                                   : std::string("does not exist yet")));
    }
    tx.reset();
    if (auto s = StatusStore::peek(conn, l->manifest.key(), l->manifest.uid()))
      lines.push_back("already applied: phase " + migration::to_string(s->phase));
  } catch (const std::exception& e) {
    err << "error: database unreachable: " << pg::scrub(e.what(), inv.dsn) << " (" << info->display
        << ")\n";
    return kFailed;
  }
  out << "database: " << info->display << "\n";
  for (const auto& line : lines) out << "  " << line << "\n";
  const auto report = cli::render_plan(
      l->manifest.object, {.color = false, .unicode = inv.terminal},
      {.sizes = &sizes, .approve_command = "schemashift apply " + inv.file + " --approve"});
  out << report.text;
  return report.refused ? kBadInput : kDone;
}

int apply_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err) {
  auto l = load(inv, in, err);
  if (!l) return kBadInput;
  return drive(inv, *l, false, out, err);
}

int rollback_command(const Invocation& inv, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  auto l = load(inv, in, err);
  if (!l) return kBadInput;
  return drive(inv, *l, true, out, err);
}

int status_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err) {
  auto l = load(inv, in, err);
  if (!l) return kBadInput;
  auto info = conninfo(inv, err);
  if (!info) return kBadInput;
  const std::string key = l->manifest.key();
  std::optional<migration::MigrationStatus> s;
  std::string checkpoint, epoch;
  try {
    pqxx::connection conn(info->conninfo);
    s = StatusStore::peek(conn, key, l->manifest.uid());
    pqxx::read_transaction tx(conn);
    auto r = tx.exec_params(
        "SELECT epoch::pg_catalog.text, checkpoint::pg_catalog.text FROM schemashift.migrations "
        "WHERE name OPERATOR(pg_catalog.=) $1::pg_catalog.text",
        key);
    if (!r.empty()) {
      epoch = r[0][0].as<std::string>();
      checkpoint = r[0][1].as<std::string>();
    }
  } catch (const pqxx::undefined_table&) {
    // no state schema: never applied
  } catch (const std::exception& e) {
    err << "error: database unreachable: " << pg::scrub(e.what(), inv.dsn) << " (" << info->display
        << ")\n";
    return kFailed;
  }
  out << "SchemaMigration " << key << " on " << info->display << "\n";
  if (!s) {
    out << "Phase:      Pending (never applied)\n";
    return kDone;
  }
  out << "Phase:      " << migration::to_string(s->phase) << "\n";
  out << "Steps:      " << steps_text(l->spec, *s) << "\n";
  if (!checkpoint.empty()) out << "Checkpoint: " << checkpoint << " (epoch " << epoch << ")\n";
  if (auto m = condition_message(*s, "Ready"); !m.empty()) out << "Message:    " << m << "\n";
  if (!s->last_error.empty()) out << "Last error: " << s->last_error << "\n";
  if (!s->rollback_reason.empty()) out << "Rollback:   " << s->rollback_reason << "\n";
  if (s->phase == Phase::kRolledBack || s->phase == Phase::kFailed) return kFailed;
  if (condition_true(*s, "AwaitingApproval")) return kAwaitingApproval;
  return kDone;
}

}  // namespace schemashift::standalone
