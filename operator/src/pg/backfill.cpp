#include "pg/backfill.h"

#include <thread>

#include <nlohmann/json.hpp>

#include "pg/fence.h"

namespace schemashift::pg {

using Clock = std::chrono::steady_clock;

Backfiller::Backfiller(pqxx::connection& conn, BackfillConfig cfg, std::int64_t epoch)
    : conn_(conn),
      cfg_(std::move(cfg)),
      epoch_(epoch),
      sizer_(cfg_.target_batch_duration, cfg_.min_batch, cfg_.max_batch, cfg_.initial_batch) {}

std::string Backfiller::quoted_table() const {
  auto dot = cfg_.table.find('.');
  if (dot == std::string::npos) return conn_.quote_name(cfg_.table);
  return conn_.quote_name(cfg_.table.substr(0, dot)) + "." +
         conn_.quote_name(cfg_.table.substr(dot + 1));
}

migration::BackfillProgress Backfiller::start() {
  pqxx::work tx(conn_);
  Fence::check(tx, cfg_.migration, epoch_);
  auto row = tx.exec_params(
      "SELECT checkpoint FROM schemashift.migrations WHERE name OPERATOR(pg_catalog.=) "
      "$1::pg_catalog.text",
      cfg_.migration);
  auto cp = nlohmann::json::parse(row[0][0].as<std::string>());
  if (cp.contains("backfill") && cp["backfill"].value("table", "") == cfg_.table) {
    const auto& b = cp["backfill"];
    if (b.contains("lastKey") && !b["lastKey"].is_null())
      last_key_ = b["lastKey"].get<std::int64_t>();
    upper_key_ = b.value("upperKey", std::int64_t{0});
    progress_.rows_done = b.value("rowsDone", std::int64_t{0});
    progress_.rows_estimated = b.value("rowsEstimated", std::int64_t{0});
    progress_.complete = b.value("complete", false);
    sizer_ = BatchSizer(cfg_.target_batch_duration, cfg_.min_batch, cfg_.max_batch,
                        b.value("batchSize", cfg_.initial_batch));
  } else {
    const std::string key = conn_.quote_name(cfg_.key_column);
    auto bounds = tx.exec("SELECT pg_catalog.min(" + key + ")::bigint, pg_catalog.max(" + key +
                          ")::bigint FROM " + quoted_table());
    auto est = tx.exec_params(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_catalog.pg_class WHERE oid "
        "OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
        cfg_.table);
    if (bounds[0][1].is_null()) {
      progress_.complete = true;  // an empty table
    } else {
      last_key_ = bounds[0][0].as<std::int64_t>() - 1;
      upper_key_ = bounds[0][1].as<std::int64_t>();
      progress_.rows_estimated = est.empty() ? 0 : est[0][0].as<std::int64_t>();
      if (progress_.rows_estimated == 0) progress_.rows_estimated = upper_key_ - *last_key_;
    }
    save_checkpoint(tx);
  }
  tx.commit();
  progress_.batch_size = sizer_.current();
  progress_.last_key = last_key_ ? std::to_string(*last_key_) : "";
  return progress_;
}

void Backfiller::save_checkpoint(pqxx::transaction_base& tx) {
  nlohmann::json b = {{"table", cfg_.table},
                      {"lastKey", last_key_ ? nlohmann::json(*last_key_) : nlohmann::json(nullptr)},
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
  const auto t0 = Clock::now();
  const int size = sizer_.current();
  const std::string key = conn_.quote_name(cfg_.key_column);
  pqxx::work tx(conn_);
  tx.exec0("SET LOCAL lock_timeout = '" + std::to_string(cfg_.lock_timeout.count()) + "ms'");
  tx.exec0("SET LOCAL statement_timeout = '" + std::to_string(cfg_.statement_timeout.count()) +
           "ms'");
  Fence::check(tx, cfg_.migration, epoch_);
  // The batch's upper key: the size-th key after the last one, within the range fixed at start.
  auto hi =
      tx.exec_params("SELECT pg_catalog.max(k) FROM (SELECT " + key + "::bigint AS k FROM " +
                         quoted_table() + " WHERE " + key + " OPERATOR(pg_catalog.>) $1 AND " +
                         key + " OPERATOR(pg_catalog.<=) $2 ORDER BY " + key + " LIMIT $3) s",
                     *last_key_, upper_key_, size);
  if (hi[0][0].is_null()) {
    progress_.complete = true;
    last_key_ = upper_key_;
  } else {
    const std::int64_t next = hi[0][0].as<std::int64_t>();
    std::string sql = "UPDATE " + quoted_table() + " SET " + cfg_.set + " WHERE " + key +
                      " OPERATOR(pg_catalog.>) $1 AND " + key + " OPERATOR(pg_catalog.<=) $2";
    if (!cfg_.pending_where.empty()) sql += " AND (" + cfg_.pending_where + ")";
    auto r = tx.exec_params(sql, *last_key_, next);
    out.rows = static_cast<std::int64_t>(r.affected_rows());
    progress_.rows_done += out.rows;
    last_key_ = next;
    if (next >= upper_key_) progress_.complete = true;
  }
  out.took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
  out.batch_size = size;
  sizer_.next(size, out.took);
  save_checkpoint(tx);
  tx.commit();
  out.complete = progress_.complete;
  const double secs = std::chrono::duration<double>(out.took).count();
  progress_.rows_per_second = secs > 0 ? static_cast<double>(out.rows) / secs : 0;
  progress_.batch_size = sizer_.current();
  progress_.last_key = std::to_string(*last_key_);
  return out;
}

void Backfiller::shrink_after_hold() { progress_.batch_size = sizer_.halve(); }

migration::BackfillProgress Backfiller::run_for(std::chrono::milliseconds budget,
                                                const std::function<bool()>& before_batch) {
  const auto deadline = Clock::now() + budget;
  while (!progress_.complete && Clock::now() < deadline) {
    if (before_batch && !before_batch()) break;
    const auto r = run_batch();
    if (cfg_.duty_cycle < 1 && cfg_.duty_cycle > 0 && !r.complete) {
      const auto pause = std::chrono::duration_cast<std::chrono::microseconds>(
          r.took * ((1 - cfg_.duty_cycle) / cfg_.duty_cycle));
      std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - Clock::now()));
    }
  }
  return progress_;
}

}  // namespace schemashift::pg
