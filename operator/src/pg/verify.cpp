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
  // One scan per chunk compares the two sides row by row: no aggregate string to build and
  // sort, and no hash that two different chunks could share. As values when their types
  // compare (IS DISTINCT FROM keeps NULL apart from ''), else as text with NULL marked.
  std::string differs = "(" + s.old_expr + ") IS DISTINCT FROM (" + s.new_expr + ")";
  try {
    nt.exec("SELECT " + differs + " FROM " + table + " LIMIT 0");
  } catch (const pqxx::sql_error&) {
    differs = cell(s.old_expr) + " OPERATOR(pg_catalog.<>) " + cell(s.new_expr);
  }
  while (lo < hi) {
    auto next = nt.exec_params("SELECT pg_catalog.max(k) FROM (SELECT " + key +
                                   "::bigint AS k FROM " + table + " WHERE " + key +
                                   " OPERATOR(pg_catalog.>) $1 ORDER BY " + key + " LIMIT $2) s",
                               lo, s.chunk_rows);
    const std::int64_t upper = next[0][0].as<std::int64_t>();
    auto r =
        nt.exec_params("SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE " + differs +
                           "), (pg_catalog.min(" + key + ") FILTER (WHERE " + differs +
                           "))::pg_catalog.text FROM " + table + " WHERE " + key +
                           " OPERATOR(pg_catalog.>) $1 AND " + key + " OPERATOR(pg_catalog.<=) $2",
                       lo, upper);
    report.rows_checked += r[0][0].as<std::int64_t>();
    if (r[0][1].as<std::int64_t>() > 0) {
      report.failures.push_back("checksum mismatch in " + s.key_column + " (" + std::to_string(lo) +
                                ", " + std::to_string(upper) + "]: " + r[0][1].as<std::string>() +
                                " rows differ, first at " + s.key_column + " = " +
                                r[0][2].as<std::string>());
    }
    lo = upper;
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return report;
}

VerifyReport verify_foreign_key(pqxx::connection& conn, const ForeignKeySpec& s) {
  VerifyReport report;
  const auto t0 = Clock::now();
  const std::string parent = quoted_table(conn, s.parent_table),
                    child = quoted_table(conn, s.child_table);
  const std::string pk = "p." + conn.quote_name(s.parent_key),
                    ck = "c." + conn.quote_name(s.child_key);
  std::string differs = "false";
  if (!s.parent_columns.empty()) {
    std::string pcols, ccols;
    for (std::size_t i = 0; i < s.parent_columns.size(); ++i) {
      pcols += (i ? ", " : "") + std::string("p.") + conn.quote_name(s.parent_columns[i]);
      ccols += (i ? ", " : "") + std::string("c.") + conn.quote_name(s.child_columns.at(i));
    }
    // ROW(...) so that a single column compares as a row too.
    differs = "ROW(" + pcols + ") IS DISTINCT FROM ROW(" + ccols + ")";
  }
  const std::string described =
      s.parent_table + "." + s.parent_key + " -> " + s.child_table + "." + s.child_key;
  pqxx::nontransaction nt(conn);
  auto bounds = nt.exec("SELECT pg_catalog.min(" + conn.quote_name(s.parent_key) +
                        ")::bigint, pg_catalog.max(" + conn.quote_name(s.parent_key) +
                        ")::bigint FROM " + parent);
  if (bounds[0][0].is_null()) return report;
  std::int64_t lo = bounds[0][0].as<std::int64_t>() - 1;
  const std::int64_t hi = bounds[0][1].as<std::int64_t>();
  const std::string key = conn.quote_name(s.parent_key);
  while (lo < hi) {
    auto next = nt.exec_params("SELECT pg_catalog.max(k) FROM (SELECT " + key +
                                   "::bigint AS k FROM " + parent + " WHERE " + key +
                                   " OPERATOR(pg_catalog.>) $1 ORDER BY " + key + " LIMIT $2) s",
                               lo, s.chunk_rows);
    const std::int64_t upper = next[0][0].as<std::int64_t>();
    // The child's key range is restricted too, so the join reads one chunk of each table.
    auto r = nt.exec_params(
        "SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE " + ck +
            " IS NULL), (pg_catalog.min(" + pk + ") FILTER (WHERE " + ck +
            " IS NULL))::pg_catalog.text, pg_catalog.count(*) FILTER (WHERE " + ck +
            " IS NOT NULL AND " + differs + "), (pg_catalog.min(" + pk + ") FILTER (WHERE " + ck +
            " IS NOT NULL AND " + differs + "))::pg_catalog.text FROM " + parent + " p LEFT JOIN " +
            child + " c ON " + ck + " OPERATOR(pg_catalog.=) " + pk + " AND " + ck +
            " OPERATOR(pg_catalog.>) $1 AND " + ck + " OPERATOR(pg_catalog.<=) $2 WHERE " + pk +
            " OPERATOR(pg_catalog.>) $1 AND " + pk + " OPERATOR(pg_catalog.<=) $2",
        lo, upper);
    report.rows_checked += r[0][0].as<std::int64_t>();
    const auto missing = r[0][1].as<std::int64_t>(), differing = r[0][3].as<std::int64_t>();
    if (missing > 0 || differing > 0) {
      std::string f = "foreign key " + described + " in (" + std::to_string(lo) + ", " +
                      std::to_string(upper) + "]:";
      if (missing > 0) {
        f += " " + std::to_string(missing) + " parent rows have no child, first at " +
             s.parent_key + " = " + r[0][2].as<std::string>();
      }
      if (differing > 0) {
        f += std::string(missing > 0 ? ";" : "") + " " + std::to_string(differing) +
             " children differ from their parent, first at " + s.parent_key + " = " +
             r[0][4].as<std::string>();
      }
      report.failures.push_back(f);
    }
    lo = upper;
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return report;
}

}  // namespace schemashift::pg
