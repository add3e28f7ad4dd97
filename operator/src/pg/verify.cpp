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
  std::optional<KeyValue> lo;  // none: from the start (no min - 1 to overflow)
  // Both sides hashed in one scan per chunk; string_agg in key order makes the hash positional.
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
    auto r =
        tx.exec_params("SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(" +
                           cell(s.old_expr) + ", ',' ORDER BY " + key.order() +
                           ")), pg_catalog.md5(pg_catalog.string_agg(" + cell(s.new_expr) +
                           ", ',' ORDER BY " + key.order() + ")) FROM " + table + " WHERE " + chunk,
                       pqxx::prepare::make_dynamic_params(params));
    report.rows_checked += r[0][0].as<std::int64_t>();
    if (r[0][1].as<std::string>() != r[0][2].as<std::string>()) {
      auto bad = tx.exec_params("SELECT pg_catalog.count(*) OVER (), " + key.as_text() + " FROM " +
                                    table + " WHERE " + chunk + " AND " + cell(s.old_expr) +
                                    " OPERATOR(pg_catalog.<>) " + cell(s.new_expr) + " ORDER BY " +
                                    key.order() + " LIMIT 1",
                                pqxx::prepare::make_dynamic_params(params));
      const std::string from = lo ? "(" + describe(*lo) : "[" + describe(first);
      report.failures.push_back(
          "checksum mismatch in " + key.name() + " " + from + ", " + describe(upper) +
          "]: " + (bad.empty() ? "0" : bad[0][0].as<std::string>()) + " rows differ, first at " +
          key.name() + " = " + (bad.empty() ? "?" : describe(key_of(bad[0], key.size(), 1))));
    }
    lo = upper;
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return report;
}

}  // namespace schemashift::pg
