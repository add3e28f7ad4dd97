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

// What a target does in the change; a flag move waits for the targets it concerns (writers
// before the backfill, readers before contract, consumers and producers in the order the
// event subject's compatibility level asks).
enum Role : unsigned { kWriter = 1, kReader = 2, kProducer = 4, kConsumer = 8 };
inline constexpr unsigned kDefaultRoles = kWriter | kReader;

struct Target {
  std::string service, deployment, flag_key;
  unsigned roles = kDefaultRoles;
  std::optional<SecretRef> database{};  // where its flags live; default spec.database
  bool has(Role r) const { return (roles & r) != 0; }
};

// spec.api: an old API version retired by the migration. Its service's instances announce
// the retirement (Deprecation, Sunset, Link) once the readers switched; contract (410 Gone)
// waits until no client has called the old version for `window`, counted per client from
// every pod's http_requests_total{api_version=old}.
struct ApiSpec {
  std::string service;  // a target's service
  std::string old_version = "v1";
  std::chrono::milliseconds window{60000};
  int metrics_port = 9090;
  std::string metrics_path = "/metrics";
};

struct ConfigMapKeyRef {
  std::string name, key;
};

// A JSON Schema given inline, or read from a ConfigMap by the reconciler before planning.
struct SchemaSource {
  nlohmann::json schema{};  // inline, or filled in from `from`
  std::optional<ConfigMapKeyRef> from{};
};

// spec.events: a subject's schema evolution. `schema` is checked against the subject under
// its compatibility level before anything moves and registered after the check;
// `contract_schema` (the later version that drops the old fields) is checked and registered
// the same way before the producers stop writing the old fields.
struct EventsSpec {
  std::string registry_url, subject;
  SchemaSource schema;
  std::optional<SchemaSource> contract_schema{};
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
  std::optional<SecretRef> database;  // needed by the SQL steps; default for targets
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
  std::optional<ApiSpec> api;
  std::optional<EventsSpec> events;
  // Operator controls, from spec fields or annotations (schemashift.io/paused, /approve, /abort).
  bool paused = false, approve = false, abort = false;
  std::int64_t generation = 0;
};

// The database that keeps the migration's state and fence: spec.database, else the first
// target's (an API- or event-only migration).
const SecretRef* home_database(const MigrationSpec& spec);
// A target's database: its own, else spec.database.
const SecretRef* target_database(const MigrationSpec& spec, const Target& t);

// The name of an API version's implicit evidence gate (status.gates[] and conditions).
inline constexpr const char* kApiEvidenceGate = "api-old-version-traffic";

// Reads a whole SchemaMigration object (metadata for generation and annotations, spec).
Result<MigrationSpec, std::vector<FieldError>> parse_spec(const nlohmann::json& object);

// "100ms", "2s", "1m" -> milliseconds; nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& s);

// A stable hash of the steps (expand, backfill, verify, contract, rollback): a changed plan
// after the migration started is noticed by comparing it with status.planHash.
std::string plan_hash(const MigrationSpec& spec);

}  // namespace schemashift::migration
