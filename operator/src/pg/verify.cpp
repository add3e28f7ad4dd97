#include "pg/verify.h"

#include <stdexcept>

#include "pg/key_range.h"
#include "pg/tables.h"

namespace schemashift::pg {

namespace {
using Clock = std::chrono::steady_clock;

std::string quoted_table(const std::string& t) {
  auto name = parse_table_name(t);
  if (!name) throw std::runtime_error("table \"" + t + "\" " + name.error());
  return name->quoted();
}

// A value's text with NULL kept apart from '' (and from the text 'NULL'). The fragment sits on
// lines of its own, in parentheses; the wrapper is the operator's, so its cast and operator are
// pg_catalog's, named.
std::string cell(const std::string& expr) {
  return "coalesce((\n" + expr + "\n)::pg_catalog.text OPERATOR(pg_catalog.||) 'v', 'n')";
}
}  // namespace

std::int64_t pending_rows(pqxx::connection& conn, const std::string& table,
                          const std::string& pending_where) {
  if (pending_where.empty()) return 0;
  pqxx::nontransaction nt(conn);
  return nt
      .exec("SELECT pg_catalog.count(*) FROM " + quoted_table(table) + " WHERE (\n" +
            pending_where + "\n)")[0][0]
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
  const std::string table = quoted_table(s.table);
  pqxx::nontransaction tx(conn);
  const Key key =
      Key::load(tx, table, s.key_columns.empty() ? std::vector{s.key_column} : s.key_columns);
  auto top = tx.exec("SELECT " + key.as_text() + " FROM " + table + " ORDER BY " + key.order(true) +
                     " LIMIT 1");
  if (top.empty()) return report;
  const KeyValue hi = key_of(top[0], key.size());
  const KeyValue first = key_of(tx.exec("SELECT " + key.as_text() + " FROM " + table +
                                        " ORDER BY " + key.order() + " LIMIT 1")[0],
                                key.size());
  // One scan per chunk compares the two sides row by row: no aggregate string to build and
  // sort, and no hash that two different chunks could share. As values when their types
  // compare (IS DISTINCT FROM keeps NULL apart from ''), else as text with NULL marked. The
  // fragments sit on lines of their own, in parentheses.
  std::string differs = "(\n" + s.old_expr + "\n) IS DISTINCT FROM (\n" + s.new_expr + "\n)";
  try {
    tx.exec("SELECT " + differs + " FROM " + table + " LIMIT 0");
  } catch (const pqxx::sql_error&) {
    differs = cell(s.old_expr) + " OPERATOR(pg_catalog.<>) " + cell(s.new_expr);
  }
  std::optional<KeyValue> lo;  // none: from the start (no min - 1 to overflow)
  while (!lo || *lo != hi) {
    std::vector<std::string> params;
    const std::string to_end = key.range(lo, hi, params);
    params.push_back(std::to_string(s.chunk_rows));
    auto next = tx.exec_params("SELECT " + key.as_text() + " FROM (SELECT " + key.order() +
                                   " FROM " + table + " WHERE " + to_end + " ORDER BY " +
                                   key.order() + " LIMIT $" + std::to_string(params.size()) +
                                   ") s ORDER BY " + key.order(true) + " LIMIT 1",
                               pqxx::prepare::make_dynamic_params(params));
    if (next.empty()) break;
    const KeyValue upper = key_of(next[0], key.size());
    params.clear();
    const std::string chunk = key.range(lo, upper, params);
    auto r = tx.exec_params("SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE " +
                                differs + ") FROM " + table + " WHERE " + chunk,
                            pqxx::prepare::make_dynamic_params(params));
    report.rows_checked += r[0][0].as<std::int64_t>();
    if (r[0][1].as<std::int64_t>() > 0) {
      auto bad = tx.exec_params("SELECT " + key.as_text() + " FROM " + table + " WHERE " + chunk +
                                    " AND " + differs + " ORDER BY " + key.order() + " LIMIT 1",
                                pqxx::prepare::make_dynamic_params(params));
      const std::string from = lo ? "(" + describe(*lo) : "[" + describe(first);
      report.failures.push_back("checksum mismatch in " + key.name() + " " + from + ", " +
                                describe(upper) + "]: " + r[0][1].as<std::string>() +
                                " rows differ, first at " + key.name() + " = " +
                                (bad.empty() ? "?" : describe(key_of(bad[0], key.size()))));
    }
    lo = upper;
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return report;
}

VerifyReport verify_foreign_key(pqxx::connection& conn, const ForeignKeySpec& s) {
  VerifyReport report;
  const auto t0 = Clock::now();
  const std::string parent = quoted_table(s.parent_table), child = quoted_table(s.child_table);
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
