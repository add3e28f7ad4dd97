#include "gates/pg_statements.h"

#include <algorithm>
#include <cctype>

namespace schemashift::gates {

namespace {

// SELECT, UPDATE, ...: upper-cased and checked, so the query below can take them as an array.
std::string kinds_array(const nlohmann::json& params, std::string& bad) {
  nlohmann::json kinds = params.value("kinds", nlohmann::json::array({"SELECT"}));
  std::string out = "{";
  for (const auto& k : kinds) {
    std::string s = k.is_string() ? k.get<std::string>() : "";
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    if (s != "SELECT" && s != "INSERT" && s != "UPDATE" && s != "DELETE" && s != "WITH" &&
        s != "MERGE" && s != "COPY") {
      bad = k.dump();
      return {};
    }
    out += (out.size() > 1 ? "," : "") + s;
  }
  return out + "}";
}

}  // namespace

Measurement StatementsProvider::measure(pqxx::connection& conn, const std::string& gate,
                                        const nlohmann::json& params) {
  const std::string pattern = params.value("pattern", "");
  std::string bad;
  const std::string kinds = kinds_array(params, bad);
  if (!bad.empty()) {
    return {MeasurementKind::kError, 0,
            "kinds: " + bad + " is not a statement kind (SELECT, INSERT, UPDATE, DELETE, ...)"};
  }
  std::int64_t calls = 0, statements = 0;
  try {
    pqxx::nontransaction tx(conn);
    // The leading keyword decides the kind; the operator's own reading passes the pattern as
    // a parameter, so it never matches itself.
    auto row = tx.exec_params1(
        "SELECT coalesce(sum(s.calls), 0)::bigint, count(*) FROM pg_stat_statements s "
        "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() "
        "AND s.query ~* $1 "
        "AND upper(substring(ltrim(s.query) from '^[A-Za-z]+')) = ANY($2::text[])",
        pattern, kinds);
    calls = row[0].as<std::int64_t>();
    statements = row[1].as<std::int64_t>();
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "42P01") {  // undefined_table: the extension is not there
      return {MeasurementKind::kError, 0,
              "pg_stat_statements is not installed in database " + std::string(conn.dbname()) +
                  " (shared_preload_libraries and CREATE EXTENSION pg_stat_statements)"};
    }
    return {MeasurementKind::kError, 0, std::string("pg_stat_statements: ") + e.what()};
  }
  std::int64_t before = 0;
  {
    std::lock_guard lock(mu_);
    auto it = previous_.find(gate);
    const bool first = it == previous_.end();
    if (!first) before = it->second;
    previous_[gate] = calls;
    if (first) {
      return {MeasurementKind::kNoData, 0,
              "baseline: " + std::to_string(calls) + " calls of " + std::to_string(statements) +
                  " matching statements so far; an increase needs a second reading"};
    }
  }
  // pg_stat_statements_reset() or evicted entries make the sum drop: count from zero then.
  const std::int64_t grew = calls >= before ? calls - before : calls;
  return {MeasurementKind::kValue, static_cast<double>(grew),
          std::to_string(grew) + " calls of statements matching /" + pattern + "/ " + kinds +
              " since the last reading"};
}

}  // namespace schemashift::gates
