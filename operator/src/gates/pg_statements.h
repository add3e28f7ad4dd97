// The postgresStatements provider: evidence from pg_stat_statements that nobody still runs
// statements matching a pattern (typically SELECTs naming the old column) in the migration's
// database. It sums the calls of the matching statements of the chosen kinds (SELECT by
// default: dual-writes still touch the old column until contract) and reports how much that
// sum grew since its previous reading of the same gate; the first reading is the baseline (no
// data). Needs the pg_stat_statements extension in that database.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <pqxx/pqxx>

#include "gates/gate.h"

namespace schemashift::gates {

class StatementsProvider {
 public:
  Measurement measure(pqxx::connection& conn, const std::string& gate,
                      const nlohmann::json& params);

 private:
  std::mutex mu_;
  std::map<std::string, std::int64_t> previous_;  // gate name -> calls at the last reading
};

}  // namespace schemashift::gates
