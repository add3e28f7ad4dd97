// MigrationSpec: what a SchemaMigration asks for, read from the resource's JSON with every
// problem reported by field path ("spec.backfill.set: must not end the statement"). Table and
// column names are read as SQL writes them ("Shop".orders is not shop.orders); the SQL fragments
// the operator embeds (backfill.set, pendingWhere, checksum old/new) are parsed and refused
// unless they keep the statement's shape (pg/fragment). The CRD's schema refuses most bad manifests
// at the API server; this is the operator's own check, and the one the CLI uses without Kubernetes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "gates/gate.h"

namespace schemashift::migration {

struct FieldError {
  std::string field;
  std::string message;
  std::string describe() const { return field + ": " + message; }
};

struct SecretRef {
  std::string name;
  std::string key = "dsn";
};

struct Target {
  std::string service, deployment, flag_key;
};

struct BackfillSpec {
  std::string table, key_column, set, pending_where;  // as written in the manifest
  std::vector<std::string> key_columns{};             // exact names: keyColumns, or {keyColumn}
  std::chrono::milliseconds target_batch_duration{20};
  int min_batch = 100;
  int max_batch = 50000;
  double duty_cycle = 1.0;  // share of time in batches; below 1 pauses after each (pacing)
};

struct VerifyCheck {
  std::string name, sql, expect;
};

// Compare an old and a new representation of every row, chunk by chunk ("amount_cents" against
// "(amount * 100)::int"); NULL and '' are kept apart.
struct VerifyChecksum {
  std::string name, table, key_column, old_expr, new_expr;
  std::vector<std::string> key_columns{};  // exact names: keyColumns, or {keyColumn}
};

// How old and new columns are kept in step while both exist. kFlags (the default): the
// services dual-write, switched by their flag. kTrigger: for writers that cannot change, a
// trigger on `table` computes the new column from the old (`up`) for writers that only know the
// old one, and the old from the new (`down`) for writers already switched; expressions are
// over the row's columns by name, evaluated with search_path = pg_catalog, pg_temp.
enum class DualWriteMode { kFlags, kTrigger };

struct DualWriteSpec {
  DualWriteMode mode = DualWriteMode::kFlags;
  std::string table, old_column, new_column, up, down;
};

// A table split: every parent row has its child (joined on `parent_key` = `child_key`) and the
// child's `child_columns` equal the parent's `parent_columns` (its old copy), chunk by chunk.
struct VerifyForeignKey {
  std::string name, parent_table, parent_key, child_table, child_key;
  std::vector<std::string> parent_columns, child_columns;
};

enum class Approval { kManual, kAuto };

struct MigrationSpec {
  SecretRef database;
  std::chrono::milliseconds lock_timeout{100};
  std::chrono::milliseconds statement_timeout{30000};
  std::vector<Target> targets;
  std::vector<std::string> expand_sql, contract_sql, rollback_sql;
  std::optional<BackfillSpec> backfill;
  std::vector<VerifyCheck> checks;
  std::vector<VerifyChecksum> checksums;
  std::vector<VerifyForeignKey> foreign_keys;
  DualWriteSpec dual_write;
  Approval approval = Approval::kManual;
  std::vector<gates::GateSpec> gates;
  // Operator controls, from spec fields or annotations (schemashift.io/paused, /approve, /abort).
  bool paused = false, approve = false, abort = false;
  std::int64_t generation = 0;
};

// Reads a whole SchemaMigration object (metadata for generation and annotations, spec).
Result<MigrationSpec, std::vector<FieldError>> parse_spec(const nlohmann::json& object);

// "100ms", "2s", "1m" -> milliseconds; nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& s);

// A stable hash of the steps (expand, backfill, verify, contract, rollback): a changed plan
// after the migration started is noticed by comparing it with status.planHash.
std::string plan_hash(const MigrationSpec& spec);

}  // namespace schemashift::migration
