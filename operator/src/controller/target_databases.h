// TargetDatabases: the databases of a migration's targets other than its home database (the
// one holding its state and fence), where those targets' flags are written and their barriers
// read. A connection each, opened on first use and reopened when broken.
//
// Fencing there: the home fence's epoch cannot be checked inside another database's
// transaction, so each target database keeps schemashift.flag_writers(migration, epoch), and a
// flag write raises it in the same transaction; a write with an older epoch than one already
// recorded is refused (pg::FencedOut). A stale operator cannot move a flag back after its
// successor moved it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <pqxx/pqxx>

namespace schemashift::controller {

class TargetDatabases {
 public:
  explicit TargetDatabases(std::string migration) : migration_(std::move(migration)) {}

  // The connection to `dsn` (the flag schema made sure of, search_path pinned). Throws on
  // failure; messages carry no password (pg::scrub).
  pqxx::connection& connection(const std::string& dsn);
  // Writes `key` = `value` in that database, fenced by `epoch` (above).
  void set_flag(const std::string& dsn, const std::string& key, const std::string& value,
                std::int64_t epoch);
  // Forgets a broken connection so the next use reconnects.
  void drop(const std::string& dsn) { conns_.erase(dsn); }

 private:
  std::string migration_;
  std::map<std::string, std::unique_ptr<pqxx::connection>> conns_;
};

}  // namespace schemashift::controller
