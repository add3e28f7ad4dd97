// The service's baseline schema: the tables as they were before any migration, created at
// start-up with CREATE ... IF NOT EXISTS only, so it never re-adds what a migration dropped
// and two instances starting together do no harm. Retried until the database answers.
#pragma once

#include <string>
#include <vector>

#include "pg_pool.h"

namespace schemashift::svc {

void apply_baseline(PgPool& pool, const std::string& service,
                    const std::vector<std::string>& statements);

// Whether `table` (in the search path's first schema) exists / has `column`.
bool table_exists(pqxx::transaction_base& tx, const std::string& table);
bool column_exists(pqxx::transaction_base& tx, const std::string& table, const std::string& column);

}  // namespace schemashift::svc
