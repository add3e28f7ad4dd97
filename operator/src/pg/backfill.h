// Backfiller: fills a new column (or table) from the old data in batches by primary-key range:
// each batch is one transaction that checks the fence, updates the rows with keys in
// (last, next], and records its checkpoint, so a crash at any point resumes from the last
// committed batch with nothing missed and nothing redone. Only rows that existed when the
// backfill began are in scope (keys up to the maximum at start), so it finishes under insert
// load; rows written later are the dual-writing application's. Batch size follows BatchSizer.
// The key is any NOT NULL column or columns (pg/key_range): int, bigint, uuid, text in its
// collation, composite keys; the checkpoint holds its values as text, never narrowed. The user's
// SET list and pendingWhere are embedded on lines of their own (pg/fragment checks their shape).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "migration/status.h"
#include "pg/batch_sizer.h"
#include "pg/key_range.h"

namespace schemashift::pg {

struct BackfillConfig {
  std::string migration{};
  std::string table{};          // as SQL writes it: "orders", "shop.orders", "\"Shop\".\"Orders\""
  std::string key_column{};     // "id" (the exact column name); see key_columns
  std::string set{};            // "amount = amount_cents / 100.0"
  std::string pending_where{};  // optional: only rows matching it are updated ("amount IS NULL")
  std::chrono::milliseconds target_batch_duration{20};
  int min_batch = 100;
  int max_batch = 50000;
  int initial_batch = 1000;
  std::chrono::milliseconds lock_timeout{1000};
  std::chrono::milliseconds statement_timeout{30000};
  std::vector<std::string> key_columns{};  // a composite key; when empty, {key_column}
  std::string table_oid{};  // when set, the table must still be this one (resolved at plan)
  // The planned, schema-qualified name used in SQL ("\"public\".\"orders\""); when empty, `table`.
  // `table` stays the manifest's name: it identifies the checkpoint.
  std::string qualified_table{};
  // Pacing: the share of wall time run_for spends in batches. Below 1, each batch is followed
  // by a pause in proportion to its own time (0.5: as long again), so writers contending with
  // the backfill get that share of the machine back; the rate-versus-p99 curve is in
  // docs/benchmarks.md (B2).
  double duty_cycle = 1.0;
};

struct BatchResult {
  std::int64_t rows = 0;  // rows updated by this batch
  int batch_size = 0;     // keys covered
  std::chrono::microseconds took{0};
  bool complete = false;
};

class Backfiller {
 public:
  Backfiller(pqxx::connection& conn, BackfillConfig cfg, std::int64_t epoch);

  // Reads the checkpoint, or creates one: the key range is fixed to the rows that exist now.
  migration::BackfillProgress start();
  // One batch in one transaction (fence check, update, checkpoint). Throws FencedOut when
  // another runner took over, pqxx errors on database trouble (the batch is rolled back).
  BatchResult run_batch();
  // Batches until complete, `budget` has passed, or `before_batch` (asked before each batch)
  // says stop; returns the progress.
  migration::BackfillProgress run_for(std::chrono::milliseconds budget,
                                      const std::function<bool()>& before_batch = {});
  const migration::BackfillProgress& progress() const { return progress_; }
  // A gate held the backfill: the next batches start from half the size (lag built up while
  // batches were at full size; a smaller batch adds less of it before the next probe).
  void shrink_after_hold();

 private:
  void save_checkpoint(pqxx::transaction_base& tx);

  pqxx::connection& conn_;
  BackfillConfig cfg_;
  std::int64_t epoch_;
  BatchSizer sizer_;
  std::string table_;                 // quoted, from cfg_.table
  std::optional<Key> key_;            // read at start()
  std::optional<KeyValue> last_key_;  // keys <= last_key_ are done; none: nothing done yet
  KeyValue upper_key_;                // the largest key when the backfill began
  migration::BackfillProgress progress_;
};

}  // namespace schemashift::pg
