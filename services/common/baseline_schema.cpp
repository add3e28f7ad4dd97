#include "baseline_schema.h"

#include <algorithm>
#include <thread>

#include "log.h"

namespace schemashift::svc {

void apply_baseline(PgPool& pool, const std::string& service,
                    const std::vector<std::string>& statements) {
  std::chrono::milliseconds backoff{200};
  for (int attempt = 1;; ++attempt) {
    try {
      with_transaction(pool, [&](pqxx::work& tx) {
        // One instance at a time: CREATE ... IF NOT EXISTS run by two sessions at once fails in
        // one of them ("relation already exists"), so replicas starting together would crash.
        tx.exec_params("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext($1))",
                       "schemashift.baseline." + service);
        for (const auto& s : statements) tx.exec(s);
      });
      log_info("baseline schema applied",
               {{"service", service}, {"statements", statements.size()}});
      return;
    } catch (const pqxx::unique_violation&) {
      // Two instances creating the same table at once (a baseline from before the lock, or
      // another program): the other one won; look again.
    } catch (const Unavailable& e) {
      log_warn("database not answering; baseline schema waits",
               {{"attempt", attempt}, {"error", e.what()}});
    } catch (const pqxx::broken_connection&) {
      log_warn("database connection lost; baseline schema waits", {{"attempt", attempt}});
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

bool table_exists(pqxx::transaction_base& tx, const std::string& table) {
  return tx.exec_params("SELECT to_regclass($1) IS NOT NULL", table)[0][0].as<bool>();
}

bool column_exists(pqxx::transaction_base& tx, const std::string& table,
                   const std::string& column) {
  return tx
      .exec_params(
          "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass($1) "
          "AND attname = $2 AND attnum > 0 AND NOT attisdropped)",
          table, column)[0][0]
      .as<bool>();
}

}  // namespace schemashift::svc
