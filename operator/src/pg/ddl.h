// Applying one DDL statement safely (expand, contract, rollback). It runs under a short
// lock_timeout, so it never waits in the lock queue behind a long reader while every writer
// queues behind it; when the lock is not granted it retries with jittered exponential backoff
// until the budget is spent (a budget of 0: one attempt, and the caller requeues a retriable
// failure instead of a worker sleeping). CONCURRENTLY statements run outside any transaction
// (the fence is checked just before, in a transaction of its own: a successor taking over in
// that gap finds the statement's effect in the catalog) and without statement_timeout (an index
// build takes as long as the table needs and blocks no writer); a failed CREATE INDEX CONCURRENTLY
// leaves an invalid index, which is dropped before the retry. Other statements run in a transaction
// that checks the fence. The operator's own queries here name pg_catalog's objects
// (pg/state_schema.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/result.h"

namespace schemashift::pg {

struct DdlConfig {
  std::string migration{};
  std::int64_t epoch = 0;
  std::chrono::milliseconds lock_timeout{100};
  std::chrono::milliseconds statement_timeout{30000};  // not for CONCURRENTLY statements
  std::chrono::milliseconds budget{60000};             // all attempts together
  std::chrono::milliseconds base_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  // The step this statement is. When `section` is set, the step is recorded in
  // schemashift.applied_steps in the same transaction as the statement, and a step already
  // recorded is not run again (a crash between the two cannot leave the DDL done and unrecorded).
  // A CONCURRENTLY statement cannot share a transaction: before it runs again the catalog is
  // asked whether it already took effect (the index exists and is valid, or is gone).
  std::string section{};  // "expand", "contract", "rollback"
  int step = -1;
  std::string uid{};  // the resource's UID
};

struct DdlReport {
  int attempts = 0;
  std::chrono::milliseconds took{0};
  std::vector<std::string> blockers;  // sessions that held the lock on failed attempts
  bool already_applied = false;       // recorded before (or, CONCURRENTLY, seen in the catalog)
};

struct DdlError {
  std::string message;
  std::string sqlstate;
  bool retriable = false;  // worth another reconcile (lock never granted, deadlock, connection)
  DdlReport report;
};

// True for statements that must run outside a transaction block.
bool is_concurrently(const std::string& sql);

// Applies `sql`; see the header comment.
Result<DdlReport, DdlError> apply_ddl(pqxx::connection& conn, const std::string& sql,
                                      const DdlConfig& cfg);

// Transactions older than `min_age` that hold a lock on `table`: what a DDL would wait for.
std::vector<std::string> long_transactions_on(pqxx::connection& conn, const std::string& table,
                                              std::chrono::seconds min_age);

}  // namespace schemashift::pg
