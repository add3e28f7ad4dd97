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
    // The view is read in the schema its extension lives in, and pg_catalog's objects are
    // named: nothing on the search_path can stand in for them.
    auto ext = tx.exec(
        "SELECT n.nspname::pg_catalog.text, "
        "pg_catalog.pg_has_role('pg_read_all_stats'::pg_catalog.name, 'USAGE'), "
        "CURRENT_USER::pg_catalog.text "
        "FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
        "ON n.oid OPERATOR(pg_catalog.=) e.extnamespace "
        "WHERE e.extname OPERATOR(pg_catalog.=) 'pg_stat_statements'");
    if (ext.empty()) {
      return {MeasurementKind::kError, 0,
              "pg_stat_statements is not installed in database " + std::string(conn.dbname()) +
                  " (shared_preload_libraries and CREATE EXTENSION pg_stat_statements)"};
    }
    if (!ext[0][1].as<bool>()) {
      // Other roles' statements show as <insufficient privilege>: a zero would be false evidence.
      return {MeasurementKind::kError, 0,
              "role " + ext[0][2].as<std::string>() +
                  " cannot read other roles' statements in pg_stat_statements (their text is "
                  "hidden without the pg_read_all_stats privileges): grant it pg_read_all_stats "
                  "or pg_monitor"};
    }
    // The leading keyword decides the kind; the operator's own reading passes the pattern as
    // a parameter, so it never matches itself.
    auto row = tx.exec_params1(
        "SELECT coalesce(pg_catalog.sum(s.calls), 0)::bigint, pg_catalog.count(*) FROM " +
            tx.quote_name(ext[0][0].as<std::string>()) +
            ".pg_stat_statements s "
            "JOIN pg_catalog.pg_database d ON d.oid OPERATOR(pg_catalog.=) s.dbid "
            "WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database() "
            "AND s.query OPERATOR(pg_catalog.~*) $1::pg_catalog.text "
            "AND pg_catalog.upper(substring(pg_catalog.ltrim(s.query) from '^[A-Za-z]+')) "
            "OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.text[])",
        pattern, kinds);
    calls = row[0].as<std::int64_t>();
    statements = row[1].as<std::int64_t>();
  } catch (const pqxx::sql_error& e) {
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
