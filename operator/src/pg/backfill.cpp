#include "pg/backfill.h"

#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/failpoint.h"
#include "pg/fence.h"
#include "pg/fragment.h"
#include "pg/tables.h"

namespace schemashift::pg {

using Clock = std::chrono::steady_clock;

namespace {
std::string quoted_name_of(const std::string& table) {
  auto t = parse_table_name(table);
  if (!t) throw std::runtime_error("backfill table \"" + table + "\" " + t.error());
  return t->quoted();
}
}  // namespace

Backfiller::Backfiller(pqxx::connection& conn, BackfillConfig cfg, std::int64_t epoch)
    : conn_(conn),
      cfg_(std::move(cfg)),
      epoch_(epoch),
      sizer_(cfg_.target_batch_duration, cfg_.min_batch, cfg_.max_batch, cfg_.initial_batch),
      table_(quoted_name_of(cfg_.qualified_table.empty() ? cfg_.table : cfg_.qualified_table)) {
  if (cfg_.key_columns.empty()) cfg_.key_columns = {cfg_.key_column};
  // The spec parser refuses these with their field paths; checked here too, whoever built cfg.
  if (auto why = check_set_list(cfg_.set, cfg_.key_columns))
    throw std::invalid_argument("backfill set: " + *why);
  if (!cfg_.pending_where.empty()) {
    if (auto why = check_expression(cfg_.pending_where))
      throw std::invalid_argument("backfill pendingWhere: " + *why);
  }
}

migration::BackfillProgress Backfiller::start() {
  pqxx::work tx(conn_);
  Fence::check(tx, cfg_.migration, epoch_);
  if (!cfg_.table_oid.empty()) {
    auto now = tx.exec_params(
        "SELECT pg_catalog.to_regclass($1::pg_catalog.text)::pg_catalog.oid::pg_catalog.text",
        table_);
    if (now[0][0].is_null() || now[0][0].as<std::string>() != cfg_.table_oid) {
      throw std::runtime_error("table " + table_ + " is no longer the table planned (oid " +
                               cfg_.table_oid + "): it was dropped or replaced since");
    }
  }
  key_ = Key::load(tx, table_, cfg_.key_columns);
  auto row = tx.exec_params(
      "SELECT checkpoint FROM schemashift.migrations WHERE name OPERATOR(pg_catalog.=) "
      "$1::pg_catalog.text",
      cfg_.migration);
  auto cp = nlohmann::json::parse(row[0][0].as<std::string>());
  if (cp.contains("backfill") && cp["backfill"].value("table", "") == cfg_.table) {
    const auto& b = cp["backfill"];
    last_key_ = key_from_json(b.value("lastKey", nlohmann::json()));
    upper_key_ = key_from_json(b.value("upperKey", nlohmann::json())).value_or(KeyValue{});
    progress_.rows_done = b.value("rowsDone", std::int64_t{0});
    progress_.rows_estimated = b.value("rowsEstimated", std::int64_t{0});
    progress_.complete = b.value("complete", false);
    if (!progress_.complete && upper_key_.size() != key_->size())
      throw std::runtime_error("the checkpoint's key does not match the key columns");
    sizer_ = BatchSizer(cfg_.target_batch_duration, cfg_.min_batch, cfg_.max_batch,
                        b.value("batchSize", cfg_.initial_batch));
  } else {
    // The range is fixed to the rows that exist now: up to the largest key. No lower bound is
    // computed (the first batch starts at the start), so the smallest value of a type is fine.
    auto top = tx.exec("SELECT " + key_->as_text() + " FROM " + table_ + " ORDER BY " +
                       key_->order(true) + " LIMIT 1");
    if (top.empty()) {
      progress_.complete = true;  // an empty table
    } else {
      upper_key_ = key_of(top[0], key_->size());
      auto est = tx.exec_params(
          "SELECT greatest(reltuples, 0)::bigint FROM pg_catalog.pg_class WHERE oid "
          "OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1::pg_catalog.text)",
          table_);
      progress_.rows_estimated = est.empty() ? 0 : est[0][0].as<std::int64_t>();
      if (progress_.rows_estimated == 0)
        progress_.rows_estimated =
            tx.exec("SELECT pg_catalog.count(*) FROM " + table_)[0][0].as<std::int64_t>();
    }
    save_checkpoint(tx);
  }
  tx.commit();
  progress_.batch_size = sizer_.current();
  progress_.last_key = last_key_ ? describe(*last_key_) : "";
  return progress_;
}

void Backfiller::save_checkpoint(pqxx::transaction_base& tx) {
  nlohmann::json b = {{"table", cfg_.table},
                      {"key", {{"columns", key_->columns()}, {"types", key_->types()}}},
                      {"lastKey", to_json(last_key_)},
                      {"upperKey", upper_key_},
                      {"rowsDone", progress_.rows_done},
                      {"rowsEstimated", progress_.rows_estimated},
                      {"batchSize", sizer_.current()},
                      {"complete", progress_.complete}};
  tx.exec_params(
      "UPDATE schemashift.migrations SET checkpoint = pg_catalog.jsonb_set(checkpoint, "
      "'{backfill}'::pg_catalog.text[], $2::pg_catalog.jsonb), updated_at = pg_catalog.now() "
      "WHERE name OPERATOR(pg_catalog.=) $1::pg_catalog.text",
      cfg_.migration, b.dump());
}

BatchResult Backfiller::run_batch() {
  BatchResult out;
  if (progress_.complete) {
    out.complete = true;
    return out;
  }
  if (!key_) throw std::logic_error("Backfiller::run_batch before start");
  const auto t0 = Clock::now();
  const int size = sizer_.current();
  pqxx::work tx(conn_);
  tx.exec0("SET LOCAL lock_timeout = '" + std::to_string(cfg_.lock_timeout.count()) + "ms'");
  tx.exec0("SET LOCAL statement_timeout = '" + std::to_string(cfg_.statement_timeout.count()) +
           "ms'");
  Fence::check(tx, cfg_.migration, epoch_);
  // The batch's upper key: the size-th key after the last one, within the range fixed at start.
  std::vector<std::string> params;
  const std::string range = key_->range(last_key_, upper_key_, params);
  params.push_back(std::to_string(size));
  auto hi = tx.exec_params("SELECT " + key_->as_text() + " FROM (SELECT " + key_->order() +
                               " FROM " + table_ + " WHERE " + range + " ORDER BY " +
                               key_->order() + " LIMIT $" + std::to_string(params.size()) +
                               ") s ORDER BY " + key_->order(true) + " LIMIT 1",
                           pqxx::prepare::make_dynamic_params(params));
  if (hi.empty()) {
    progress_.complete = true;
    last_key_ = upper_key_;
  } else {
    const KeyValue next = key_of(hi[0], key_->size());
    params.clear();
    // The user's fragments sit on lines of their own, so a trailing comment cannot reach the
    // key range (and pg/fragment refused any that would change the statement's shape).
    std::string sql = "UPDATE " + table_ + " SET\n" + cfg_.set + "\nWHERE " +
                      key_->range(last_key_, next, params);
    if (!cfg_.pending_where.empty()) sql += "\nAND (\n" + cfg_.pending_where + "\n)";
    auto r = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
    out.rows = static_cast<std::int64_t>(r.affected_rows());
    progress_.rows_done += out.rows;
    last_key_ = next;
    if (next == upper_key_) progress_.complete = true;
  }
  out.took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
  out.batch_size = size;
  sizer_.next(size, out.took);
  save_checkpoint(tx);
  failpoint("backfill.before-checkpoint");
  tx.commit();
  failpoint("backfill.after-checkpoint");
  out.complete = progress_.complete;
  progress_.batch_size = sizer_.current();
  progress_.last_key = last_key_ ? describe(*last_key_) : "";
  return out;
}

void Backfiller::shrink_after_hold() { progress_.batch_size = sizer_.halve(); }

migration::BackfillProgress Backfiller::run_for(std::chrono::milliseconds budget,
                                                const std::function<bool()>& before_batch) {
  const auto started = Clock::now();
  const auto deadline = started + budget;
  const std::int64_t rows_before = progress_.rows_done;
  int batches = 0;
  while (!progress_.complete && Clock::now() < deadline) {
    if (before_batch && !before_batch()) break;
    const auto r = run_batch();
    ++batches;
    if (cfg_.duty_cycle < 1 && cfg_.duty_cycle > 0 && !r.complete) {
      const auto pause = std::chrono::duration_cast<std::chrono::microseconds>(
          r.took * ((1 - cfg_.duty_cycle) / cfg_.duty_cycle));
      std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - Clock::now()));
    }
  }
  // The rate a person plans by: rows over the round's wall time, pauses included. The last
  // batch's own rate leaves the dutyCycle pauses out and made the ETA look 1/dutyCycle shorter.
  const double secs = std::chrono::duration<double>(Clock::now() - started).count();
  if (batches > 0 && secs > 0)
    progress_.rows_per_second = static_cast<double>(progress_.rows_done - rows_before) / secs;
  return progress_;
}

}  // namespace schemashift::pg
