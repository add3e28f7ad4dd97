#include "pg/ddl.h"

#include <random>
#include <regex>
#include <thread>

#include "pg/fence.h"

namespace schemashift::pg {

namespace {

using Clock = std::chrono::steady_clock;

const std::regex kConcurrently(R"(\bconcurrently\b)", std::regex::icase);
const std::regex kCreateIndexConcurrently(
    R"(create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?("[^"]+"|[a-z_][a-z0-9_$]*))",
    std::regex::icase);

bool retriable_state(const std::string& s) {
  return s == "55P03"      // lock_not_available
         || s == "40P01"   // deadlock_detected
         || s == "40001"   // serialization_failure
         || s == "57014";  // query_canceled (statement_timeout on a CONCURRENTLY wait)
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

// Who holds locks that conflict with ours right now (for the report).
std::vector<std::string> blockers(pqxx::connection& conn) {
  std::vector<std::string> out;
  try {
    pqxx::nontransaction nt(conn);
    auto r = nt.exec(
        "SELECT a.pid, coalesce(a.application_name, ''), "
        "(pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start)::pg_catalog.text, "
        "pg_catalog.\"left\"(a.query, 80) "
        "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a "
        "ON a.pid OPERATOR(pg_catalog.=) l.pid "
        "WHERE l.granted AND l.relation IS NOT NULL "
        "AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
        "AND a.xact_start IS NOT NULL "
        "AND l.mode OPERATOR(pg_catalog.=) ANY (ARRAY["
        "'AccessShareLock','RowShareLock','RowExclusiveLock','ShareUpdateExclusiveLock',"
        "'ShareLock','ShareRowExclusiveLock','ExclusiveLock','AccessExclusiveLock']"
        "::pg_catalog.text[]) "
        "AND pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start OPERATOR(pg_catalog.>) "
        "interval '50 ms' ORDER BY a.xact_start LIMIT 3");
    for (const auto& row : r) {
      out.push_back("pid " + row[0].as<std::string>() + " (" + row[1].as<std::string>() +
                    ", in a transaction for " + row[2].as<std::string>() +
                    "): " + row[3].as<std::string>());
    }
  } catch (const std::exception&) {
  }
  return out;
}

void drop_invalid_index(pqxx::connection& conn, const std::string& sql) {
  std::smatch m;
  if (!std::regex_search(sql, m, kCreateIndexConcurrently)) return;
  std::string name = m[1].str();
  if (name.front() != '"') name = conn.quote_name(name);
  pqxx::nontransaction nt(conn);
  auto r = nt.exec(
      "SELECT NOT i.indisvalid FROM pg_catalog.pg_index i WHERE i.indexrelid "
      "OPERATOR(pg_catalog.=) pg_catalog.to_regclass(" +
      nt.quote(name) + "::pg_catalog.text)");
  if (!r.empty() && r[0][0].as<bool>()) nt.exec0("DROP INDEX CONCURRENTLY IF EXISTS " + name);
}

}  // namespace

bool is_concurrently(const std::string& sql) { return std::regex_search(sql, kConcurrently); }

Result<DdlReport, DdlError> apply_ddl(pqxx::connection& conn, const std::string& sql,
                                      const DdlConfig& cfg) {
  DdlReport report;
  const auto start = Clock::now();
  std::mt19937 rng{std::random_device{}()};
  auto backoff = cfg.base_backoff;
  const bool concurrently = is_concurrently(sql);
  while (true) {
    ++report.attempts;
    std::string state, message;
    try {
      if (concurrently) {
        {
          pqxx::work tx(conn);
          Fence::check(tx, cfg.migration, cfg.epoch);
          tx.commit();
        }
        pqxx::nontransaction nt(conn);
        nt.exec0("SET lock_timeout = '" + ms(cfg.lock_timeout) + "'");
        // No statement_timeout: building the index takes as long as the table needs, and it
        // blocks no writer meanwhile (ShareUpdateExclusiveLock). lock_timeout still applies.
        nt.exec0("SET statement_timeout = 0");
        try {
          nt.exec0(sql);
        } catch (...) {
          nt.exec0("RESET lock_timeout");
          nt.exec0("RESET statement_timeout");
          throw;
        }
        nt.exec0("RESET lock_timeout");
        nt.exec0("RESET statement_timeout");
      } else {
        pqxx::work tx(conn);
        tx.exec0("SET LOCAL lock_timeout = '" + ms(cfg.lock_timeout) + "'");
        tx.exec0("SET LOCAL statement_timeout = '" + ms(cfg.statement_timeout) + "'");
        Fence::check(tx, cfg.migration, cfg.epoch);
        tx.exec0(sql);
        tx.commit();
      }
      report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      return report;
    } catch (const FencedOut&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      state = e.sqlstate();
      message = e.what();
    } catch (const pqxx::broken_connection& e) {
      return fail(DdlError{std::string("connection lost: ") + e.what(), "08006", true, report});
    }
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    if (!retriable_state(state)) return fail(DdlError{message, state, false, report});
    if (state == "55P03" && report.blockers.empty()) report.blockers = blockers(conn);
    if (concurrently) drop_invalid_index(conn, sql);
    const auto elapsed = Clock::now() - start;
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    const auto wait = std::chrono::milliseconds(
        static_cast<long long>(static_cast<double>(backoff.count()) * jitter(rng)));
    if (elapsed + wait >= cfg.budget) {
      report.took = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);
      std::string why = "lock not granted within " + ms(cfg.lock_timeout) + " in " +
                        std::to_string(report.attempts) + " attempts over " + ms(report.took);
      if (state != "55P03") why = message + " (" + std::to_string(report.attempts) + " attempts)";
      for (const auto& b : report.blockers) why += "; blocked by " + b;
      return fail(DdlError{why, state, true, report});
    }
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, cfg.max_backoff);
  }
}

std::vector<std::string> long_transactions_on(pqxx::connection& conn, const std::string& table,
                                              std::chrono::seconds min_age) {
  pqxx::nontransaction nt(conn);
  auto r = nt.exec_params(
      "SELECT a.pid, coalesce(a.application_name, ''), "
      "pg_catalog.date_trunc('second', pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start)"
      "::pg_catalog.text, pg_catalog.\"left\"(a.query, 80) "
      "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a "
      "ON a.pid OPERATOR(pg_catalog.=) l.pid "
      "WHERE l.relation OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1::pg_catalog.text) "
      "AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
      "AND pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start OPERATOR(pg_catalog.>) "
      "pg_catalog.make_interval(secs => $2::pg_catalog.float8) ORDER BY a.xact_start",
      table, static_cast<double>(min_age.count()));
  std::vector<std::string> out;
  for (const auto& row : r) {
    out.push_back("pid " + row[0].as<std::string>() + " (" + row[1].as<std::string>() + ", " +
                  row[2].as<std::string>() + "): " + row[3].as<std::string>());
  }
  return out;
}

}  // namespace schemashift::pg
