// Fault rows C3 and C7 of docs/reliability.md, with the real operator binary against the stack.
// Judged outside the operator: the test's own sampling of pg_stat_activity, its writer's
// latencies and errors, a trigger counting every update of every row, and checksums it computes.
//   C3: a transaction holds ACCESS SHARE on the table during expand, then during contract, for
//       SCHEMASHIFT_FAULT_C3_HOLD_S seconds (5 in make test, 60 in make faults). The DDL waits
//       at most lock_timeout per try, so no writer queues behind it for longer; it is done soon
//       after the blocker ends.
//   C7: a gate's source down (its HTTP endpoint cut off behind a TcpProxy) fails closed: from
//       the very start (no batch, no phase advance; an abort gate rolls back after 4 errors in a
//       row, a throttle gate is held in Error), and mid-backfill (the backfill stops within a
//       few probe intervals and resumes once the source answers again, nothing lost); and the
//       stack's Prometheus cut off mid-backfill under an abort gate (rolled back, old data whole).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>

#include "e2e/schemamigration_fixture.h"
#include "support/helpers.h"
#include "support/http_endpoint.h"
#include "support/stack_env.h"
#include "support/tcp_proxy.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using schemashift::testing::eventually;
using schemashift::testing::HttpEndpoint;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::scalar;
using schemashift::testing::SchemaMigrationE2E;
using schemashift::testing::stack_var;
using schemashift::testing::TcpProxy;
using schemashift::testing::write_temp;

long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

class MigrationFaults : public SchemaMigrationE2E {
 protected:
  std::string get(const std::string& name, const std::string& path) {
    return run_command(kubectl("-n " + ns_ + " get smig " + name + " -o jsonpath='" + path + "'"))
        .output;
  }
  bool column_exists(pqxx::connection& c, const std::string& column) {
    return scalar(c, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                         table_ + "' AND column_name = '" + column + "'") == "1";
  }
  // Every update of a row adds one to its `touched` (a trigger of the test's own), so rows the
  // backfill updated are counted without asking the operator, and a row updated twice shows.
  void count_updates() {
    pqxx::work tx(db_);
    tx.exec0("ALTER TABLE " + table_ + " ADD COLUMN touched int NOT NULL DEFAULT 0");
    tx.exec0("CREATE FUNCTION " + table_ +
             "_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := OLD.touched "
             "+ 1; RETURN NEW; END $$");
    tx.exec0("CREATE TRIGGER " + table_ + "_count BEFORE UPDATE ON " + table_ +
             " FOR EACH ROW EXECUTE FUNCTION " + table_ + "_count()");
    tx.commit();
  }
  long touched_rows() {
    return std::stol(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched > 0"));
  }
  void TearDown() override {
    SchemaMigrationE2E::TearDown();
    pqxx::work tx(db_);
    tx.exec0("DROP FUNCTION IF EXISTS " + table_ + "_count()");
    tx.commit();
  }
};

// A transaction holding ACCESS SHARE on the table until release() (the C3 blocker).
class Blocker {
 public:
  explicit Blocker(const std::string& table) {
    thread_ = std::thread([this, table] {
      pqxx::connection c(stack_var("PG_ORDERS_DSN"));
      pqxx::work tx(c);
      tx.exec("SELECT 1 FROM " + table + " LIMIT 1");
      holding_ = true;
      while (!release_) std::this_thread::sleep_for(10ms);
      tx.commit();
      released_at_ = Clock::now();
      done_ = true;
    });
    while (!holding_) std::this_thread::sleep_for(5ms);
  }
  ~Blocker() { release(); }
  // Ends the transaction; returns when it has committed.
  Clock::time_point release() {
    release_ = true;
    if (thread_.joinable()) thread_.join();
    return released_at_;
  }

 private:
  std::atomic<bool> holding_{false}, release_{false}, done_{false};
  Clock::time_point released_at_{};
  std::thread thread_;
};

// An open-loop writer: one UPDATE every 50 ms by the clock, each latency taken from the time it
// was due (a write held up delays the ones after it, and they count that).
class Writer {
 public:
  Writer(const std::string& table, int rows) {
    thread_ = std::thread([this, table, rows] {
      auto c = std::make_unique<pqxx::connection>(stack_var("PG_ORDERS_DSN"));
      auto due = Clock::now();
      for (long i = 0; !stop_; ++i) {
        std::this_thread::sleep_until(due);
        try {
          pqxx::nontransaction nt(*c);
          nt.exec0("UPDATE " + table + " SET note = 'w" + std::to_string(i) +
                   "' WHERE id = " + std::to_string(1 + (i * 7919) % rows));
        } catch (const std::exception& e) {
          std::lock_guard lock(mu_);
          errors_.push_back(e.what());
          try {
            if (!c->is_open()) c = std::make_unique<pqxx::connection>(stack_var("PG_ORDERS_DSN"));
          } catch (const std::exception&) {
          }
        }
        {
          std::lock_guard lock(mu_);
          samples_.push_back({due, ms_since(due)});
        }
        due += 50ms;
      }
    });
  }
  ~Writer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // The writes due in [from, to): how many, and their 99th percentile latency in ms.
  std::pair<size_t, long> p99(Clock::time_point from, Clock::time_point to) {
    std::vector<long> v;
    std::lock_guard lock(mu_);
    for (const auto& s : samples_)
      if (s.due >= from && s.due < to) v.push_back(s.ms);
    if (v.empty()) return {0, 0};
    std::sort(v.begin(), v.end());
    return {v.size(), v[std::min(v.size() - 1, v.size() * 99 / 100)]};
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  struct Sample {
    Clock::time_point due;
    long ms;
  };
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Sample> samples_;
  std::vector<std::string> errors_;
  std::thread thread_;
};

// Samples pg_locks and pg_stat_activity every 20 ms: the longest any session other than the DDL
// has waited for the table's lock (a queue behind the DDL), and the DDL's tries seen waiting.
class LockSampler {
 public:
  LockSampler(const std::string& table, const std::string& ddl_prefix) {
    thread_ = std::thread([this, table, ddl_prefix] {
      pqxx::connection c(stack_var("PG_ORDERS_DSN"));
      std::string last_try;
      while (!stop_) {
        pqxx::nontransaction nt(c);
        // Waits for the table's own lock (a queue behind the DDL), not for rows.
        auto r = nt.exec(
            "SELECT a.query LIKE " + nt.quote(ddl_prefix + "%") +
            ", (extract(epoch FROM clock_timestamp() - a.query_start) * 1000)::bigint, "
            "a.query_start::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND l.locktype = 'relation' AND l.relation = to_regclass(" +
            nt.quote(table) + ") AND a.pid <> pg_backend_pid()");
        for (const auto& row : r) {
          if (row[0].as<bool>()) {
            if (row[2].as<std::string>() != last_try) {
              last_try = row[2].as<std::string>();
              ++ddl_tries_seen_;
            }
          } else {
            max_writer_wait_ms_ = std::max<long>(max_writer_wait_ms_, row[1].as<long>());
          }
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  ~LockSampler() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int ddl_tries_seen() const { return ddl_tries_seen_; }
  long max_writer_wait_ms() const { return max_writer_wait_ms_; }
  void reset() {
    ddl_tries_seen_ = 0;
    max_writer_wait_ms_ = 0;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> ddl_tries_seen_{0};
  std::atomic<long> max_writer_wait_ms_{0};
  std::thread thread_;
};

TEST_F(MigrationFaults, ABlockerDuringExpandAndContractQueuesNoWriterAndTheDdlRunsSoonAfter) {
  RecordProperty("fault_row", "C3");
  const int hold_s = env_int("SCHEMASHIFT_FAULT_C3_HOLD_S", 5);
  constexpr long kLockTimeoutMs = 100;  // the spec's default
  constexpr int kRows = 20000;
  make_orders(kRows);
  {
    pqxx::work tx(db_);
    tx.exec0("ALTER TABLE " + table_ + " ADD COLUMN note text");
    tx.commit();
  }
  const std::string m =
      replace_once(manifest("blocked", 2000), "approval: Auto", "approval: Manual");
  Writer writer(table_, kRows);
  // The writer's p99 before any fault: the target is how far the blocker makes it rise.
  const auto baseline_from = Clock::now() + 500ms;
  std::this_thread::sleep_for(3s);
  const auto baseline = writer.p99(baseline_from, Clock::now());

  // Expand: the blocker first, then the migration.
  LockSampler expand_locks(table_, "ALTER TABLE " + table_ + " ADD COLUMN");
  auto blocker = std::make_unique<Blocker>(table_);
  const auto expand_from = Clock::now();
  ASSERT_EQ(run_command(kubectl("apply -f " + write_temp(m))).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return expand_locks.ddl_tries_seen() > 0; }, 60s))
      << "the expand DDL was never seen waiting\n"
      << operator_->output();
  std::this_thread::sleep_until(expand_from + std::chrono::seconds(hold_s));
  EXPECT_FALSE(column_exists(db_, "amount")) << "the DDL cannot pass the blocker";
  EXPECT_EQ(phase("blocked"), "Expanding");
  const auto expand_released = blocker->release();
  ASSERT_TRUE(eventually([&] { return column_exists(db_, "amount"); }, 60s));
  const long expand_after_ms = ms_since(expand_released);
  const auto expand_p99 = writer.p99(expand_from, expand_released);
  const long expand_wait_ms = expand_locks.max_writer_wait_ms();
  const int expand_tries = expand_locks.ddl_tries_seen();
  expand_locks.stop();

  // Contract: the migration waits for approval; the blocker, then the approval.
  ASSERT_TRUE(eventually([&] { return phase("blocked") == "AwaitingContract"; }, 120s))
      << phase("blocked") << "\n"
      << operator_->output();
  LockSampler contract_locks(table_, "ALTER TABLE " + table_ + " DROP COLUMN");
  blocker = std::make_unique<Blocker>(table_);
  const auto contract_from = Clock::now();
  ASSERT_EQ(run_command(kubectl("-n " + ns_ + " annotate smig blocked schemashift.io/approve=true"))
                .exit_code,
            0);
  ASSERT_TRUE(eventually([&] { return contract_locks.ddl_tries_seen() > 0; }, 60s))
      << "the contract DDL was never seen waiting; phase " << phase("blocked") << "\n"
      << operator_->output();
  std::this_thread::sleep_until(contract_from + std::chrono::seconds(hold_s));
  EXPECT_TRUE(column_exists(db_, "amount_cents")) << "the DDL cannot pass the blocker";
  const auto contract_released = blocker->release();
  ASSERT_TRUE(eventually([&] { return !column_exists(db_, "amount_cents"); }, 60s));
  const long contract_after_ms = ms_since(contract_released);
  const auto contract_p99 = writer.p99(contract_from, contract_released);
  const long contract_wait_ms = contract_locks.max_writer_wait_ms();
  const int contract_tries = contract_locks.ddl_tries_seen();
  contract_locks.stop();
  auto ready =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/blocked --timeout=60s"));
  EXPECT_EQ(ready.exit_code, 0) << ready.output << "\nphase " << phase("blocked");
  std::this_thread::sleep_for(500ms);
  writer.stop();

  const auto errors = writer.errors();
  std::printf(
      "C3 hold %d s, writer p99 %ld ms before: expand done %ld ms after the blocker, %d tries "
      "seen, writer p99 %ld ms "
      "(%zu writes), longest writer lock wait %ld ms; contract done %ld ms after, %d tries, "
      "p99 %ld ms (%zu writes), longest wait %ld ms; %zu writer errors\n",
      hold_s, baseline.second, expand_after_ms, expand_tries, expand_p99.second, expand_p99.first,
      expand_wait_ms, contract_after_ms, contract_tries, contract_p99.second, contract_p99.first,
      contract_wait_ms, errors.size());
  RecordProperty("hold_s", hold_s);
  RecordProperty("expand_done_after_blocker_ms", static_cast<int>(expand_after_ms));
  RecordProperty("contract_done_after_blocker_ms", static_cast<int>(contract_after_ms));
  RecordProperty("writer_p99_baseline_ms", static_cast<int>(baseline.second));
  RecordProperty("writer_p99_expand_ms", static_cast<int>(expand_p99.second));
  RecordProperty("writer_p99_contract_ms", static_cast<int>(contract_p99.second));
  RecordProperty("writer_lock_wait_max_ms",
                 static_cast<int>(std::max(expand_wait_ms, contract_wait_ms)));
  RecordProperty("writer_errors", static_cast<int>(errors.size()));
  RecordProperty("ddl_tries_seen", expand_tries + contract_tries);
  EXPECT_TRUE(errors.empty()) << errors.size() << " writer errors, the first: " << errors[0];
  EXPECT_GT(expand_tries, 1) << "the DDL times out at lock_timeout and tries again";
  EXPECT_GT(contract_tries, 1) << "the DDL times out at lock_timeout and tries again";
  EXPECT_LE(expand_after_ms, 30000);
  EXPECT_LE(contract_after_ms, 30000);
  // The matrix's target: the client's p99 rises by at most lock_timeout + 100 ms.
  EXPECT_LE(expand_p99.second - baseline.second, kLockTimeoutMs + 100)
      << "writer p99 during the expand hold against " << baseline.second << " ms before";
  EXPECT_LE(contract_p99.second - baseline.second, kLockTimeoutMs + 100)
      << "writer p99 during the contract hold against " << baseline.second << " ms before";
  // A writer waits behind a try for at most lock_timeout (a sample sees a little more: the
  // statement's own time before it asked for the lock); a queue would show waits far longer.
  EXPECT_LE(std::max(expand_wait_ms, contract_wait_ms), kLockTimeoutMs + 200)
      << "a queue formed behind the DDL";
}

// The C7 source: a web gate's JSON endpoint, reached through a proxy the test can cut.
struct GateSource {
  HttpEndpoint endpoint{"/lag", [](const httplib::Request&, httplib::Response& res) {
                          res.set_content("{\"lag\": 1}", "application/json");
                        }};
  TcpProxy proxy{endpoint.port()};
  std::string gate(const std::string& action) const {
    return "  gates:\n  - {name: source, provider: web, url: \"http://127.0.0.1:" +
           std::to_string(proxy.port()) + "/lag\", jsonPath: lag, max: 10, action: " + action +
           ", intervalSeconds: 0.2}\n";
  }
};

// Phases the migration went through (status.history), space-separated.
const char* kHistory = "{.status.history[*].phase}";

TEST_F(MigrationFaults, AnAbortGateWhoseSourceNeverAnsweredRollsBackWithoutABatch) {
  RecordProperty("fault_row", "C7");
  make_orders(20000);
  count_updates();
  GateSource source;
  source.proxy.cut();  // down before the migration starts
  ASSERT_EQ(
      run_command(kubectl("apply -f " + write_temp(manifest("never", 200, source.gate("Abort")))))
          .exit_code,
      0);
  auto wait = run_command(kubectl(
      "-n " + ns_ + " wait --for=jsonpath='{.status.phase}'=RolledBack smig/never --timeout=60s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\nphase " << phase("never") << "\n"
                               << get("never", "{.status.gates}") << "\n"
                               << operator_->output();
  const long touched = touched_rows();
  const std::string history = get("never", kHistory);
  std::printf("C7 abort gate down from the start: %ld rows updated, history %s\n", touched,
              history.c_str());
  RecordProperty("rows_updated_on_unknown", static_cast<int>(touched));
  EXPECT_EQ(touched, 0) << "a batch ran while the gate's source had never answered";
  EXPECT_EQ(get("never", "{.status.gates[0].phase}"), "Error");
  EXPECT_EQ(get("never", "{.status.gates[0].consecutiveErrors}"), "4");
  EXPECT_EQ(get("never", "{.status.gates[0].successes}"), "0");
  EXPECT_EQ(history.find("Verifying"), std::string::npos) << history;
  EXPECT_EQ(history.find("Contracting"), std::string::npos) << history;
  EXPECT_FALSE(column_exists(db_, "amount")) << "rolled back: the new column is gone";
}

TEST_F(MigrationFaults, AThrottleGateWhoseSourceNeverAnsweredHoldsTheBackfillUntilItAnswers) {
  RecordProperty("fault_row", "C7");
  constexpr int kRows = 20000;
  make_orders(kRows);
  count_updates();
  const std::string sum_before = scalar(db_, "SELECT sum(amount_cents) FROM " + table_);
  GateSource source;
  source.proxy.cut();
  ASSERT_EQ(
      run_command(kubectl("apply -f " + write_temp(manifest("held", 200, source.gate("Throttle")))))
          .exit_code,
      0);
  ASSERT_TRUE(eventually([&] { return get("held", "{.status.gates[0].phase}") == "Error"; }, 60s))
      << get("held", "{.status.gates}") << "\n"
      << operator_->output();
  EXPECT_EQ(get("held", "{.status.gates[0].consecutiveErrors}"), "4");
  // Held in Error: some more probe intervals, and still not a row updated nor a phase passed.
  std::this_thread::sleep_for(3s);
  const long touched = touched_rows();
  const std::string history = get("held", kHistory);
  const std::string phase_held = phase("held");
  RecordProperty("rows_updated_on_unknown", static_cast<int>(touched));
  EXPECT_EQ(touched, 0) << "a batch ran while the gate's source had never answered";
  EXPECT_EQ(phase_held, "Backfilling") << "held, not failed nor advanced";
  EXPECT_EQ(history.find("Verifying"), std::string::npos) << history;

  source.proxy.restore();
  const auto back = Clock::now();
  ASSERT_TRUE(eventually([&] { return touched_rows() > 0; }, 60s))
      << get("held", "{.status.gates}");
  const long resumed_ms = ms_since(back);
  auto ready =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/held --timeout=120s"));
  ASSERT_EQ(ready.exit_code, 0) << ready.output << "\nphase " << phase("held");
  std::printf("C7 throttle gate down from the start: 0 rows while down, resumed %ld ms after\n",
              resumed_ms);
  RecordProperty("resumed_after_source_back_ms", static_cast<int>(resumed_ms));
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_), std::to_string(kRows));
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched <> 1"), "0")
      << "each row is updated once";
  EXPECT_EQ(scalar(db_, "SELECT sum((amount * 100)::int) FROM " + table_), sum_before);
}

TEST_F(MigrationFaults, AGateSourceDownMidBackfillStopsItWithinAFewProbesAndItResumesAfter) {
  RecordProperty("fault_row", "C7");
  constexpr int kRows = 300000;
  make_orders(kRows);
  count_updates();
  const std::string sum_before = scalar(db_, "SELECT sum(amount_cents) FROM " + table_);
  GateSource source;
  ASSERT_EQ(run_command(kubectl("apply -f " +
                                write_temp(manifest("middown", 200, source.gate("Throttle")))))
                .exit_code,
            0);
  ASSERT_TRUE(eventually([&] { return touched_rows() > 1000; }, 60s)) << phase("middown") << "\n"
                                                                      << operator_->output();
  source.proxy.cut();
  const auto down = Clock::now();
  // Stopped: the count of updated rows stays still for 2 s (10 probe intervals).
  long last = touched_rows();
  auto last_change = Clock::now();
  while (ms_since(last_change) < 2000 && ms_since(down) < 30000) {
    std::this_thread::sleep_for(50ms);
    const long now_rows = touched_rows();
    if (now_rows != last) {
      last = now_rows;
      last_change = Clock::now();
    }
  }
  const long stopped_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(last_change - down).count();
  const std::string gate_phase = get("middown", "{.status.gates[0].phase}");
  ASSERT_LT(last, kRows) << "the backfill ended before the source went down";
  std::this_thread::sleep_for(2s);
  const long held_rows = touched_rows();
  EXPECT_EQ(held_rows, last) << "the backfill must stay stopped while the source is down";
  EXPECT_EQ(phase("middown"), "Backfilling");
  EXPECT_EQ(get("middown", "{.status.gates[0].phase}"), "Error");

  source.proxy.restore();
  const auto back = Clock::now();
  ASSERT_TRUE(eventually([&] { return touched_rows() > held_rows; }, 60s))
      << get("middown", "{.status.gates}");
  const long resumed_ms = ms_since(back);
  auto ready =
      run_command(kubectl("-n " + ns_ + " wait --for=condition=Ready smig/middown --timeout=180s"));
  ASSERT_EQ(ready.exit_code, 0) << ready.output << "\nphase " << phase("middown");
  std::printf(
      "C7 source down mid-backfill at %ld rows: last batch %ld ms after (gate %s), held at %ld, "
      "resumed %ld ms after the source came back\n",
      last, stopped_ms, gate_phase.c_str(), held_rows, resumed_ms);
  RecordProperty("stopped_after_source_down_ms", static_cast<int>(stopped_ms));
  RecordProperty("resumed_after_source_back_ms", static_cast<int>(resumed_ms));
  const std::string not_once =
      scalar(db_, "SELECT count(*) FROM " + table_ + " WHERE touched <> 1");
  RecordProperty("rows_not_updated_once", std::stoi(not_once));
  // 4 errors in a row at 0.2 s, a batch in flight: a few probe intervals, with room for CI.
  EXPECT_LE(stopped_ms, 5000) << "the backfill must stop within a few probe intervals";
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_), std::to_string(kRows));
  EXPECT_EQ(not_once, "0") << "each row is updated once";
  EXPECT_EQ(scalar(db_, "SELECT sum((amount * 100)::int) FROM " + table_), sum_before);
}

TEST_F(MigrationFaults, PrometheusCutOffMidBackfillRollsAnAbortGateBackAndTheOldDataStands) {
  RecordProperty("fault_row", "C7");
  constexpr int kRows = 600000;  // the backfill goes on for ~4 s after the cut: room for it
  make_orders(kRows);
  count_updates();
  const std::string sum_before = scalar(db_, "SELECT sum(amount_cents) FROM " + table_);
  // The stack's own Prometheus, reached through a proxy the test cuts.
  const std::string prom = stack_var("PROMETHEUS_URL");
  TcpProxy proxy(std::stoi(prom.substr(prom.rfind(':') + 1)));
  const std::string gate =
      "  gates:\n  - {name: errors, provider: prometheus, address: \"http://127.0.0.1:" +
      std::to_string(proxy.port()) + "\", query: \"vector(0)\", max: 0.05, intervalSeconds: 0.2}\n";
  ASSERT_EQ(
      run_command(kubectl("apply -f " + write_temp(manifest("promdown", 200, gate)))).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return touched_rows() > 1000; }, 60s))
      << phase("promdown") << "\n"
      << get("promdown", "{.status.gates}") << "\n"
      << operator_->output();
  proxy.cut();
  const auto down = Clock::now();
  const long at_cut = touched_rows();
  long last = at_cut;
  auto last_change = Clock::now();
  while (phase("promdown") != "RolledBack" && ms_since(down) < 60000) {
    std::this_thread::sleep_for(50ms);
    const long now_rows = touched_rows();
    if (now_rows != last) {
      last = now_rows;
      last_change = Clock::now();
    }
  }
  const long rolled_back_ms = ms_since(down);
  const long stopped_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(last_change - down).count();
  ASSERT_EQ(phase("promdown"), "RolledBack") << get("promdown", "{.status.gates}");
  const std::string history = get("promdown", kHistory);
  std::printf(
      "C7 Prometheus cut off at %ld rows: last batch %ld ms after, %ld rows after the cut, rolled "
      "back %ld ms after; history %s\n",
      at_cut, stopped_ms, last - at_cut, rolled_back_ms, history.c_str());
  RecordProperty("stopped_after_source_down_ms", static_cast<int>(stopped_ms));
  RecordProperty("rolled_back_after_source_down_ms", static_cast<int>(rolled_back_ms));
  EXPECT_LT(at_cut, kRows) << "the backfill ended before Prometheus went away";
  RecordProperty("rows_after_source_down", static_cast<int>(last - at_cut));
  // An abort gate is measured once a reconcile round (about a second of batches here), and an
  // error below consecutiveErrorLimit keeps its last standing (Passing): batches go on until
  // the 4th error, then the rollback. None after it began.
  EXPECT_LE(stopped_ms, rolled_back_ms) << "a batch after the rollback began";
  EXPECT_LE(rolled_back_ms, 20000) << "4 errors in a row take 4 rounds, not this long";
  EXPECT_EQ(get("promdown", "{.status.gates[0].phase}"), "Error");
  EXPECT_EQ(get("promdown", "{.status.gates[0].consecutiveErrors}"), "4");
  EXPECT_EQ(history.find("Verifying"), std::string::npos) << history;
  EXPECT_FALSE(column_exists(db_, "amount")) << "rolled back: the new column is gone";
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM " + table_), std::to_string(kRows));
  EXPECT_EQ(scalar(db_, "SELECT sum(amount_cents) FROM " + table_), sum_before)
      << "the old column is untouched";
}

}  // namespace
