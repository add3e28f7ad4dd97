#include "pg/verify.h"

namespace schemashift::pg {

namespace {
using Clock = std::chrono::steady_clock;

std::string quoted_table(pqxx::connection& c, const std::string& t) {
  auto dot = t.find('.');
  if (dot == std::string::npos) return c.quote_name(t);
  return c.quote_name(t.substr(0, dot)) + "." + c.quote_name(t.substr(dot + 1));
}

// A value's text with NULL kept apart from '' (and from the text 'NULL').
// The wrapper is the operator's, so its cast and operator are pg_catalog's, named.
std::string cell(const std::string& expr) {
  return "coalesce((" + expr + ")::pg_catalog.text OPERATOR(pg_catalog.||) 'v', 'n')";
}
}  // namespace

std::int64_t pending_rows(pqxx::connection& conn, const std::string& table,
                          const std::string& pending_where) {
  if (pending_where.empty()) return 0;
  pqxx::nontransaction nt(conn);
  return nt
      .exec("SELECT pg_catalog.count(*) FROM " + quoted_table(conn, table) + " WHERE " +
            pending_where)[0][0]
      .as<std::int64_t>();
}

VerifyReport run_checks(pqxx::connection& conn, const std::vector<migration::VerifyCheck>& checks) {
  VerifyReport report;
  const auto t0 = Clock::now();
  for (const auto& c : checks) {
    try {
      pqxx::nontransaction nt(conn);
      auto r = nt.exec(c.sql);
      if (r.empty() || r[0].empty()) {
        report.failures.push_back(c.name + ": returned no value, expected " + c.expect);
        continue;
      }
      const std::string got = r[0][0].is_null() ? "NULL" : r[0][0].as<std::string>();
      if (got != c.expect)
        report.failures.push_back(c.name + ": " + got + ", expected " + c.expect);
    } catch (const pqxx::sql_error& e) {
      std::string msg = e.what();
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      report.failures.push_back(c.name + ": the check failed to run: " + msg);
    }
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return report;
}

VerifyReport compare_checksums(pqxx::connection& conn, const ChecksumSpec& s) {
  VerifyReport report;
  const auto t0 = Clock::now();
  const std::string table = quoted_table(conn, s.table), key = conn.quote_name(s.key_column);
  pqxx::nontransaction nt(conn);
  auto bounds = nt.exec("SELECT pg_catalog.min(" + key + ")::bigint, pg_catalog.max(" + key +
                        ")::bigint FROM " + table);
  if (bounds[0][0].is_null()) return report;
  std::int64_t lo = bounds[0][0].as<std::int64_t>() - 1;
  const std::int64_t hi = bounds[0][1].as<std::int64_t>();
  // Both sides hashed in one scan per chunk; string_agg in key order makes the hash positional.
  while (lo < hi) {
    auto next = nt.exec_params("SELECT pg_catalog.max(k) FROM (SELECT " + key +
                                   "::bigint AS k FROM " + table + " WHERE " + key +
                                   " OPERATOR(pg_catalog.>) $1 ORDER BY " + key + " LIMIT $2) s",
                               lo, s.chunk_rows);
    const std::int64_t upper = next[0][0].as<std::int64_t>();
    auto r = nt.exec_params(
        "SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(" + cell(s.old_expr) +
            ", ',' ORDER BY " + key + ")), pg_catalog.md5(pg_catalog.string_agg(" +
            cell(s.new_expr) + ", ',' ORDER BY " + key + ")) FROM " + table + " WHERE " + key +
            " OPERATOR(pg_catalog.>) $1 AND " + key + " OPERATOR(pg_catalog.<=) $2",
        lo, upper);
    report.rows_checked += r[0][0].as<std::int64_t>();
    if (r[0][1].as<std::string>() != r[0][2].as<std::string>()) {
      auto bad = nt.exec_params("SELECT pg_catalog.count(*), pg_catalog.min(" + key +
                                    ")::pg_catalog.text FROM " + table + " WHERE " + key +
                                    " OPERATOR(pg_catalog.>) $1 AND " + key +
                                    " OPERATOR(pg_catalog.<=) $2 AND " + cell(s.old_expr) +
                                    " OPERATOR(pg_catalog.<>) " + cell(s.new_expr),
                                lo, upper);
      report.failures.push_back("checksum mismatch in " + s.key_column + " (" + std::to_string(lo) +
                                ", " + std::to_string(upper) + "]: " + bad[0][0].as<std::string>() +
                                " rows differ, first at " + s.key_column + " = " +
                                bad[0][1].as<std::string>());
    }
    lo = upper;
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return report;
}

}  // namespace schemashift::pg
