#include "controller/pg_runner.h"

#include <algorithm>

#include "controller/planner.h"

#include "common/failpoint.h"

#include "flags/flag_store.h"
#include "pg/ddl.h"
#include "pg/dsn.h"
#include "pg/dual_write_trigger.h"
#include "pg/lint.h"
#include "pg/state_schema.h"
#include "pg/tables.h"
#include "pg/verify.h"

namespace schemashift::controller {

using migration::Action;
using migration::ActionKind;
using migration::Outcome;

namespace {
std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

Result<std::unique_ptr<PgRunner>, ConnectError> PgRunner::connect(const std::string& migration,
                                                                  const std::string& dsn,
                                                                  const std::string& uid) {
  auto info = pg::parse_dsn(dsn);
  if (!info) return fail(ConnectError{info.error()});
  try {
    auto work = std::make_unique<pqxx::connection>(info->conninfo);
    auto fence_conn = std::make_unique<pqxx::connection>(info->conninfo);
    pg::pin_search_path(*fence_conn);  // it only ever runs the operator's own SQL
    pg::ensure_state_schema(*fence_conn);
    if (auto path = pg::check_search_path(*work); !path) return fail(ConnectError{path.error()});
    auto fence = pg::Fence::acquire(*fence_conn, migration);
    if (!fence) return fail(ConnectError{"another operator is running it: " + fence.error(), true});
    flags::ensure_flag_schema(*work);
    return std::unique_ptr<PgRunner>(new PgRunner(migration, dsn, uid, std::move(work),
                                                  std::move(fence_conn), std::move(*fence)));
  } catch (const pg::StateSchemaRefused& e) {
    return fail(ConnectError{pg::scrub(e.what(), dsn)});
  } catch (const std::exception& e) {
    return fail(ConnectError{"database unreachable: " + pg::scrub(trimmed(e.what()), dsn) + " (" +
                             info->display + ")"});
  }
}

PgRunner::PgRunner(std::string migration, std::string dsn, std::string uid,
                   std::unique_ptr<pqxx::connection> work,
                   std::unique_ptr<pqxx::connection> fence_conn, pg::Fence fence)
    : migration_(std::move(migration)),
      dsn_(std::move(dsn)),
      uid_(std::move(uid)),
      work_(std::move(work)),
      fence_conn_(std::move(fence_conn)),
      fence_(std::move(fence)) {}

gates::Measurement PgRunner::measure(const gates::GateSpec& gate) {
  // Every provider's detail and error is shown (status, events, log): credentials masked.
  gates::Measurement m = gates_.measure(*work_, gate);
  m.detail = pg::scrub(m.detail, dsn_);
  return m;
}

bool PgRunner::healthy() const { return work_->is_open() && fence_conn_->is_open(); }

Outcome PgRunner::run(const Action& a, const migration::MigrationSpec& spec,
                      const migration::MigrationStatus&) {
  try {
    switch (a.kind) {
      case ActionKind::kPlan:
        return plan(spec);
      case ActionKind::kExpandStep:
        return ddl("expand", a.step, spec.expand_sql.at(static_cast<std::size_t>(a.step)), spec);
      case ActionKind::kContractStep:
        return ddl("contract", a.step, spec.contract_sql.at(static_cast<std::size_t>(a.step)),
                   spec);
      case ActionKind::kRollbackStep:
        return ddl("rollback", a.step, spec.rollback_sql.at(static_cast<std::size_t>(a.step)),
                   spec);
      case ActionKind::kSetFlags:
        return set_flags(a, spec);
      case ActionKind::kRegisterEventSchema:
        return {a, false, false, "the registry's work is not this runner's"};
      case ActionKind::kBackfill:
        return backfill(spec);
      case ActionKind::kVerify:
        return verify(spec);
      case ActionKind::kInstallDualWriteTrigger:
      case ActionKind::kRemoveDualWriteTrigger:
        return dual_write_trigger(a, spec);
    }
  } catch (const pg::FencedOut& e) {
    return {a, false, true, e.what()};
  } catch (const pqxx::broken_connection& e) {
    return {a, false, true, "database connection lost: " + pg::scrub(trimmed(e.what()), dsn_)};
  } catch (const pqxx::sql_error& e) {
    const std::string state = e.sqlstate();
    // Lock, deadlock, serialisation and cancellation errors pass; others need a person.
    const bool retriable = state == "55P03" || state == "40P01" || state == "40001" ||
                           state == "57014" || state.rfind("08", 0) == 0 ||
                           state.rfind("53", 0) == 0;
    return {a, false, retriable, pg::scrub(trimmed(e.what()), dsn_)};
  } catch (const std::exception& e) {
    return {a, false, true, pg::scrub(trimmed(e.what()), dsn_)};
  }
  return {a, false, false, "unknown action"};
}

Outcome PgRunner::ddl(const char* section, int step, const std::string& sql,
                      const migration::MigrationSpec& spec) {
  Outcome o{{}, true};
  // Said before trying: a transaction that has held a lock on the table for a while is what
  // the statement will queue behind (it waits at most lock_timeout per attempt, then retries).
  for (const auto& name : warn_ ? pg::tables_in(sql) : std::vector<pg::TableName>{}) {
    const std::string table = name.display();
    for (const auto& t : pg::long_transactions_on(*work_, name.quoted(), std::chrono::seconds(1))) {
      const std::string w =
          std::string(section) + " step " + std::to_string(step) + " on " + table +
          ": a long transaction holds a lock on it, " + t + "; the statement waits at most " +
          std::to_string(spec.lock_timeout.count()) + " ms per attempt and retries";
      warn_(w);
    }
  }
  auto r = pg::apply_ddl(*work_, sql,
                         {.migration = migration_,
                          .epoch = fence_.epoch(),
                          .lock_timeout = spec.lock_timeout,
                          .statement_timeout = spec.statement_timeout,
                          // One attempt: a retriable failure goes back to the work queue with
                          // its backoff, so no worker sleeps waiting for a lock.
                          .budget = std::chrono::milliseconds(0),
                          // Recorded with the statement, in its transaction: a crash between
                          // them cannot make a restarted operator run a DROP twice.
                          .section = section,
                          .step = step,
                          .uid = uid_});
  if (!r) {
    o.ok = false;
    o.retriable = r.error().retriable;
    o.lock_not_granted = r.error().sqlstate == "55P03";
    o.error = pg::scrub(r.error().message, dsn_);
    return o;
  }
  return o;
}

Outcome PgRunner::dual_write_trigger(const Action& a, const migration::MigrationSpec& spec) {
  const pg::DdlConfig cfg{.migration = migration_,
                          .epoch = fence_.epoch(),
                          .lock_timeout = spec.lock_timeout,
                          .statement_timeout = spec.statement_timeout};
  const auto& w = spec.dual_write;
  auto r = a.kind == ActionKind::kInstallDualWriteTrigger
               ? pg::install_dual_write_trigger(
                     *work_, {migration_, w.table, w.old_column, w.new_column, w.up, w.down}, cfg)
               : pg::remove_dual_write_trigger(*work_, migration_, cfg);
  if (!r) {
    Outcome o{a, false, r.error().retriable, pg::scrub(r.error().message, dsn_)};
    o.lock_not_granted = r.error().sqlstate == "55P03";
    return o;
  }
  return {a, true};
}

void PgRunner::record_phase(const std::string& phase) {
  try {
    pqxx::work tx(*work_);
    tx.exec_params(
        "UPDATE schemashift.migrations SET phase = $2::pg_catalog.text, updated_at = "
        "pg_catalog.now() WHERE name OPERATOR(pg_catalog.=) $1::pg_catalog.text AND "
        "phase OPERATOR(pg_catalog.<>) $2::pg_catalog.text AND (uid IS NULL OR uid "
        "OPERATOR(pg_catalog.=) $3::pg_catalog.text)",
        migration_, phase, uid_);
    tx.commit();
  } catch (const std::exception&) {
    // Informational only; the next reconcile writes it again.
  }
}

Outcome PgRunner::plan(const migration::MigrationSpec& spec) {
  return controller::plan(*work_, migration_, uid_, spec);
}

// The table as the plan resolved it (schema-qualified, with its OID), so a search_path changed
// since cannot redirect the work; a plan that recorded none resolves it now.
ResolvedTable PgRunner::resolved(const std::string& written) {
  if (auto r = resolved_table(*work_, migration_, written)) return *r;
  auto t = pg::parse_table_name(written);
  return {t ? t->quoted() : written, ""};
}

Outcome PgRunner::backfill(const migration::MigrationSpec& spec) {
  if (!backfiller_) {
    const auto& b = *spec.backfill;
    backfiller_ = std::make_unique<pg::Backfiller>(
        *work_,
        pg::BackfillConfig{
            .migration = migration_,
            .table = b.table,
            .key_column = b.key_columns.empty() ? b.key_column : b.key_columns[0],
            .set = b.set,
            .pending_where = b.pending_where,
            .target_batch_duration = b.target_batch_duration,
            .min_batch = b.min_batch,
            .max_batch = b.max_batch,
            .initial_batch = std::min(1000, b.max_batch),
            .lock_timeout = std::max(spec.lock_timeout, std::chrono::milliseconds(1000)),
            .statement_timeout = spec.statement_timeout,
            .key_columns = b.key_columns,
            .table_oid = resolved(b.table).oid,
            .qualified_table = resolved(b.table).qualified,
            .duty_cycle = b.duty_cycle},
        fence_.epoch());
    backfiller_->start();
  }
  Outcome o{{ActionKind::kBackfill}, true};
  // A slice of batches per reconcile, so gates, pause and abort are looked at between slices.
  const auto guard = [this] {
    if (!backfill_guard_ || backfill_guard_()) return true;
    (void)hold_backfill();
    return false;
  };
  const auto done_before = backfiller_->progress().rows_done;
  o.backfill = backfiller_->run_for(backfill_slice_, guard);
  if (o.backfill.rows_done != done_before) held_ = false;  // batches ran: the next hold counts
  return o;
}

int PgRunner::hold_backfill() {
  if (!backfiller_) return 0;
  if (!held_) {  // once per hold, however long it lasts
    held_ = true;
    backfiller_->shrink_after_hold();
  }
  return backfiller_->progress().batch_size;
}

Outcome PgRunner::verify(const migration::MigrationSpec& spec) {
  Outcome o{{ActionKind::kVerify}, true};
  if (spec.backfill && !spec.backfill->pending_where.empty()) {
    const auto pending = pg::pending_rows(*work_, resolved(spec.backfill->table).qualified,
                                          spec.backfill->pending_where);
    if (pending > 0) {
      o.verify_failures.push_back(std::to_string(pending) + " rows still match pendingWhere (" +
                                  spec.backfill->pending_where + ")");
    }
  }
  for (auto& f : pg::run_checks(*work_, spec.checks).failures)
    o.verify_failures.push_back(pg::scrub(f, dsn_));
  for (const auto& c : spec.checksums) {
    auto report = pg::compare_checksums(*work_, {.table = resolved(c.table).qualified,
                                                 .key_column = c.key_column,
                                                 .old_expr = c.old_expr,
                                                 .new_expr = c.new_expr,
                                                 .key_columns = c.key_columns});
    for (auto& f : report.failures) o.verify_failures.push_back(c.name + ": " + pg::scrub(f, dsn_));
  }
  for (const auto& f : spec.foreign_keys) {
    auto report = pg::verify_foreign_key(*work_, {f.parent_table, f.parent_key, f.child_table,
                                                  f.child_key, f.parent_columns, f.child_columns});
    for (auto& e : report.failures) o.verify_failures.push_back(f.name + ": " + pg::scrub(e, dsn_));
  }
  return o;
}

Outcome PgRunner::set_flags(const Action& a, const migration::MigrationSpec& spec) {
  const std::string value = migration::to_string(a.mode);
  auto moves = [&](const migration::Target& t) {
    return std::find(a.targets.begin(), a.targets.end(), t.service) != a.targets.end();
  };
  // The targets in this runner's database first, fenced like a batch: a stale operator cannot
  // move a flag back after a successor moved it on. Writing a value the flag already has
  // changes nothing (no new generation).
  {
    pqxx::work tx(*work_);
    pg::Fence::check(tx, migration_, fence_.epoch());
    for (const auto& t : spec.targets) {
      if (moves(t) && !target_dsns_.count(t.service)) flags::set_flag(tx, t.flag_key, value);
    }
    failpoint("flags.before-commit");
    tx.commit();
  }
  // Then each in its own database, fenced there by the epoch (controller/target_databases).
  for (const auto& t : spec.targets) {
    auto d = target_dsns_.find(t.service);
    if (!moves(t) || d == target_dsns_.end()) continue;
    try {
      target_dbs_.set_flag(d->second, t.flag_key, value, fence_.epoch());
    } catch (const pg::FencedOut&) {
      throw;
    } catch (const std::exception& e) {
      target_dbs_.drop(d->second);
      return {a, false, true,
              "target " + t.service + ": " + pg::scrub(trimmed(e.what()), d->second)};
    }
  }
  failpoint("flags.after-commit");
  return {a, true};
}

std::map<std::string, TargetBarrier> PgRunner::barriers(const migration::MigrationSpec& spec,
                                                        const migration::MigrationStatus& status,
                                                        const ReadyReplicas& ready) {
  std::map<std::string, TargetBarrier> out;
  for (const auto& t : spec.targets) {
    const auto mode = status.target_mode(t.service);
    if (!mode) continue;
    const auto r = ready.find(t.deployment);
    const int required = r == ready.end() ? 0 : r->second;
    auto d = target_dsns_.find(t.service);
    if (d == target_dsns_.end()) {
      out[t.service] = target_barrier(*work_, t, *mode, required);
      continue;
    }
    try {
      out[t.service] = target_barrier(target_dbs_.connection(d->second), t, *mode, required);
    } catch (const std::exception& e) {
      target_dbs_.drop(d->second);
      out[t.service] = {false, "its database: " + pg::scrub(trimmed(e.what()), d->second)};
    }
  }
  return out;
}

}  // namespace schemashift::controller
