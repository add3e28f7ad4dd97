// Where the standalone CLI keeps a migration's status (what the operator keeps in the
// resource's status): a row per migration in the state schema's table
// schemashift.cli_status (name, uid, status jsonb), next to the checkpoint and the applied
// steps, so a run that stopped (Ctrl-C, SIGKILL, a lost CI runner) resumes from the database
// alone. It is written after every round, by the run that holds the migration's fence.
#pragma once

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "migration/status.h"

namespace schemashift::standalone {

class StatusStore {
 public:
  // `conn` must already have the state schema (PgRunner::connect makes it); the table is
  // created when missing.
  explicit StatusStore(pqxx::connection& conn);
  // The stored status of `name` under `uid`; nullopt when it never ran.
  std::optional<migration::MigrationStatus> load(const std::string& name, const std::string& uid);
  void save(const std::string& name, const std::string& uid,
            const migration::MigrationStatus& status);

  // For `status`, without taking the fence or creating anything: nullopt when the database has
  // no state schema or no row.
  static std::optional<migration::MigrationStatus> peek(pqxx::connection& conn,
                                                        const std::string& name,
                                                        const std::string& uid);

 private:
  pqxx::connection& conn_;
};

}  // namespace schemashift::standalone
