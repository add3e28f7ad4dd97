// Fence: makes sure one operator, and only one, carries out a migration's destructive steps.
// A Kubernetes Lease is not enough (a paused or partitioned leader can wake up and write), so
// the fence lives in the database: the runner holds a session advisory lock per migration on
// a dedicated connection and bumps the migration's epoch in schemashift.migrations; every
// batch and DDL transaction checks the epoch (taking a share lock on the row, so a successor's
// bump waits for the batch in flight). A stale runner's next transaction fails with FencedOut.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <pqxx/pqxx>

#include "common/result.h"
#include "pg/state_schema.h"  // ensure_state_schema, for the callers that used to find it here

namespace schemashift::pg {

class FencedOut : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Fence {
 public:
  // Takes the migration's advisory lock on `conn` (kept for the session: give it a dedicated
  // connection) and increments the epoch. Fails, naming the holder, if another session holds it.
  static Result<Fence, std::string> acquire(pqxx::connection& conn, const std::string& migration);

  std::int64_t epoch() const { return epoch_; }
  const std::string& migration() const { return migration_; }

  // Inside `tx`: throws FencedOut unless the migration's epoch is still `epoch`.
  static void check(pqxx::transaction_base& tx, const std::string& migration, std::int64_t epoch);

 private:
  Fence(std::string migration, std::int64_t epoch)
      : migration_(std::move(migration)), epoch_(epoch) {}
  std::string migration_;
  std::int64_t epoch_;
};

}  // namespace schemashift::pg
