// Crash safety, judged from outside the operator: the real operator binary is stopped at an exact
// point (a failpoint: SCHEMASHIFT_FAILPOINTS, common/failpoint.h) before or after each of its
// side effects — a DDL step's commit, a CONCURRENTLY statement, a backfill checkpoint, a flag
// write, the barrier passing, a status write, a rollback step — then started again, and the
// migration must still end where it should. The evidence is the database's: an event trigger
// logs every DDL statement that committed (each step exactly once, a DROP never twice), a
// counter column shows every row backfilled exactly once, the sum of the new column is
// computed by the test.
#include <cctype>
#include <fstream>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/failpoint.h"
#include "flag_agent.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/scratch_database.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::eventually;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::scalar;
using schemashift::testing::ScratchDatabase;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;

constexpr int kRows = 3000;

struct Trial {
  std::string failpoint;  // as SCHEMASHIFT_FAILPOINTS takes it: name[@hit]
  bool abort = false;     // ask for a rollback during the backfill (the rollback's points)
};

void PrintTo(const Trial& t, std::ostream* os) {
  *os << t.failpoint << (t.abort ? " (with an abort)" : "");
}

std::string test_name(const ::testing::TestParamInfo<Trial>& info) {
  std::string s;
  for (char c : info.param.failpoint) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

class CrashSafety : public ::testing::TestWithParam<Trial> {
 protected:
  void SetUp() override {
    ns_ = "crash-" + unique_suffix();
    ASSERT_EQ(run_command(kubectl("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/"))
                  .exit_code,
              0);
    ASSERT_EQ(run_command(kubectl("create namespace " + ns_)).exit_code, 0);
    ASSERT_EQ(
        run_command(kubectl("-n " + ns_ + " create secret generic orders-db --from-literal=dsn=" +
                            shell_quote(db_.dsn())))
            .exit_code,
        0);
    // The flag target's Deployment: no pods (its ready replicas, 0, are what the barrier
    // counts against); the instance that acknowledges is the agent below.
    ASSERT_EQ(run_command(kubectl("-n " + ns_ +
                                  " create deployment orders --image=schemashift.local/smoke:dev "
                                  "--replicas=0"))
                  .exit_code,
              0);
    db_.admin(
        "CREATE TABLE public.ddl_audit (id bigserial PRIMARY KEY, tag text, query text);"
        "CREATE FUNCTION public.audit_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY "
        "DEFINER SET search_path = pg_catalog AS $$ BEGIN INSERT INTO public.ddl_audit (tag, "
        "query) VALUES (tg_tag, current_query()); END $$;"
        "CREATE EVENT TRIGGER audit_ddl ON ddl_command_end EXECUTE FUNCTION public.audit_ddl();");
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    tx.exec0(
        "CREATE TABLE orders (id bigserial PRIMARY KEY, amount_cents int NOT NULL, touched int "
        "NOT NULL DEFAULT 0)");
    tx.exec0("INSERT INTO orders (amount_cents) SELECT g FROM generate_series(1, " +
             std::to_string(kRows) + ") g");
    tx.commit();
    agent_ = std::make_unique<schemashift::svc::FlagAgent>(
        schemashift::svc::AgentOptions{.dsn = db_.dsn(),
                                       .service = "orders",
                                       .instance = "orders-0",
                                       .poll = 200ms,
                                       .heartbeat = 500ms},
        [](const std::string&, const std::string&) { return true; });
    agent_->start();
  }
  void TearDown() override {
    (void)run_command(kubectl("-n " + ns_ + " delete smig --all --timeout=30s"));
    if (operator_) {
      operator_->signal(SIGTERM);
      operator_->wait();
    }
    agent_.reset();
    (void)run_command(kubectl("delete namespace " + ns_ + " --wait=false"));
  }

  void start_operator(const std::string& failpoints) {
    std::vector<std::string> env;
    if (!failpoints.empty()) env.push_back("SCHEMASHIFT_FAILPOINTS=" + failpoints);
    operator_ = std::make_unique<Subprocess>(
        std::vector<std::string>{std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator",
                                 "--kubeconfig", stack_var("KUBECONFIG"), "--namespace", ns_,
                                 "--metrics-bind-address", "0", "--health-probe-bind-address", "0"},
        env);
  }
  std::string phase() {
    return run_command(kubectl("-n " + ns_ + " get smig m -o jsonpath='{.status.phase}'")).output;
  }
  // How many times `sql` committed, from the event trigger's log.
  int committed(const std::string& sql) {
    pqxx::connection c(db_.admin_dsn());
    return std::stoi(
        scalar(c, "SELECT count(*) FROM public.ddl_audit WHERE query = " + c.quote(sql)));
  }

  static constexpr const char* kAddColumn = "ALTER TABLE orders ADD COLUMN amount numeric(12,2)";
  static constexpr const char* kIndex =
      "CREATE INDEX CONCURRENTLY orders_amount ON orders (amount)";
  static constexpr const char* kDropIndex = "DROP INDEX CONCURRENTLY orders_amount";
  static constexpr const char* kDropCents = "ALTER TABLE orders DROP COLUMN amount_cents";
  static constexpr const char* kRollback = "ALTER TABLE orders DROP COLUMN amount";
  // Every DDL step is written so that running it twice fails (no IF [NOT] EXISTS): a step
  // repeated after a restart would end the migration Failed.
  std::string manifest() const {
    return std::string("apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\n") +
           "metadata: {name: m, namespace: " + ns_ +
           "}\nspec:\n"
           "  database: {secretRef: {name: orders-db}}\n"
           "  targets: [{service: orders, deployment: orders, flagKey: orders.amount}]\n"
           "  expand:\n    sql: [\"" +
           kAddColumn + "\", \"" + kIndex +
           "\"]\n"
           "  backfill:\n    table: orders\n    keyColumn: id\n"
           "    set: \"amount = amount_cents / 100.0, touched = touched + 1\"\n"
           "    pendingWhere: amount IS NULL\n    minBatch: 100\n    maxBatch: 300\n"
           "    dutyCycle: 0.5\n"
           "  verify:\n    checksums:\n"
           "    - {name: cents, table: orders, keyColumn: id, old: amount_cents, new: \"(amount * "
           "100)::int\"}\n"
           "  contract:\n    sql: [\"" +
           kDropIndex + "\", \"" + kDropCents +
           "\"]\n    approval: Auto\n"
           "  rollback:\n    sql: [\"" +
           kRollback + "\"]\n";
  }

  ScratchDatabase db_{"crash"};
  std::string ns_;
  std::unique_ptr<schemashift::svc::FlagAgent> agent_;
  std::unique_ptr<Subprocess> operator_;
};

TEST_P(CrashSafety, StoppedAtTheFailpointTheRestartedOperatorFinishesAndRepeatsNothing) {
  const Trial& trial = GetParam();
  const std::string path = "/tmp/schemashift-crash-" + unique_suffix() + ".yaml";
  std::ofstream(path) << manifest();
  ASSERT_EQ(run_command(kubectl("apply -f " + path)).exit_code, 0);

  start_operator(trial.failpoint);
  if (trial.abort) {
    ASSERT_TRUE(eventually([&] { return phase() == "Backfilling"; }, 60s)) << phase() << "\n"
                                                                           << operator_->output();
    ASSERT_EQ(
        run_command(kubectl("-n " + ns_ + " annotate smig/m schemashift.io/abort=true")).exit_code,
        0);
  }
  // The operator stops at the failpoint, by the failpoint (not for another reason).
  ASSERT_TRUE(eventually(
      [&] {
        const std::string p = phase();
        return !operator_->running() || p == "Failed" || p == "Completed" || p == "RolledBack";
      },
      120s))
      << "the failpoint was never reached; phase " << phase() << "\n"
      << operator_->output();
  ASSERT_FALSE(operator_->running()) << "the failpoint was never reached; phase " << phase() << "\n"
                                     << operator_->output();
  const std::string name = trial.failpoint.substr(0, trial.failpoint.find('@'));
  EXPECT_EQ(operator_->wait(), schemashift::kFailpointExit) << operator_->output();
  ASSERT_NE(operator_->output().find("failpoint " + name), std::string::npos)
      << operator_->output();

  const auto restarted = std::chrono::steady_clock::now();
  start_operator("");
  const std::string want = trial.abort ? "RolledBack" : "Completed";
  ASSERT_TRUE(eventually([&] { return phase() == want; }, 180s))
      << "phase " << phase() << "\n"
      << run_command(kubectl("-n " + ns_ + " get smig m -o yaml")).output << "\n"
      << operator_->output();

  // Figures for make faults (hack/faults.sh reads them from the test report): matrix row A2.
  RecordProperty("fault_row", "A2");
  RecordProperty("recover_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - restarted)
                                      .count()));
  pqxx::connection c(db_.dsn());
  int repeated = 0;
  for (const char* step : {kAddColumn, kIndex, kDropIndex, kDropCents, kRollback})
    repeated += std::max(0, committed(step) - 1);
  RecordProperty("ddl_repeated", repeated);
  RecordProperty("rows_wrong",
                 std::stoi(scalar(c, "SELECT count(*) FROM orders WHERE touched > 1")));
  if (trial.abort) {
    EXPECT_EQ(committed(kRollback), 1) << "the rollback step ran again or never";
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM orders WHERE amount_cents IS NULL"), "0");
    EXPECT_EQ(scalar(c, "SELECT sum(amount_cents) FROM orders"),
              std::to_string(kRows * (kRows + 1) / 2))
        << "the old data must be untouched";
    return;
  }
  for (const char* step : {kAddColumn, kIndex, kDropIndex, kDropCents})
    EXPECT_EQ(committed(step), 1) << step;
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM orders WHERE touched <> 1"), "0")
      << "a row backfilled twice or never";
  EXPECT_EQ(scalar(c, "SELECT sum(amount) * 100 FROM orders"),
            std::to_string(kRows * (kRows + 1) / 2) + ".00");
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM schemashift.applied_steps"), "4");
}

INSTANTIATE_TEST_SUITE_P(
    EveryFailpoint, CrashSafety,
    ::testing::Values(Trial{"expand.before-commit"}, Trial{"expand.after-commit"},
                      Trial{"concurrently.after-run"}, Trial{"backfill.before-checkpoint@3"},
                      Trial{"backfill.after-checkpoint@3"}, Trial{"flags.before-commit"},
                      Trial{"flags.after-commit"}, Trial{"barrier.passed"},
                      Trial{"contract.before-commit"}, Trial{"contract.after-commit"},
                      Trial{"contract.after-commit@2"}, Trial{"concurrently.after-run@2"},
                      Trial{"status.before-write@4"}, Trial{"status.after-write@4"},
                      Trial{"rollback.before-commit", true}, Trial{"rollback.after-commit", true}),
    test_name);

// A migration deleted after it completed and re-created under the same name is a new one: its
// steps run again. (One re-created while under way carries on: SqlThatDriftedFromWhatWasApplied.)
TEST_F(CrashSafety, AMigrationRecreatedUnderTheSameNameRunsItsStepsAgain) {
  const std::string path = "/tmp/schemashift-crash-" + unique_suffix() + ".yaml";
  std::string m = manifest();
  // A first incarnation that only expands and is rolled back by a person.
  std::ofstream(path) << m;
  ASSERT_EQ(run_command(kubectl("apply -f " + path)).exit_code, 0);
  start_operator("");
  ASSERT_TRUE(eventually([&] { return phase() == "Completed"; }, 180s)) << operator_->output();
  ASSERT_EQ(run_command(kubectl("-n " + ns_ + " delete smig m --timeout=30s")).exit_code, 0);
  // The table back as it was, and the same manifest again.
  pqxx::connection c(db_.dsn());
  {
    pqxx::work tx(c);
    tx.exec0("ALTER TABLE orders ADD COLUMN amount_cents int");
    tx.exec0("UPDATE orders SET amount_cents = (amount * 100)::int, touched = 0");
    tx.exec0("ALTER TABLE orders DROP COLUMN amount");
    tx.commit();
  }
  ASSERT_EQ(run_command(kubectl("apply -f " + path)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return phase() == "Completed"; }, 180s))
      << run_command(kubectl("-n " + ns_ + " get smig m -o yaml")).output << operator_->output();
  EXPECT_EQ(committed(kAddColumn), 2);
  EXPECT_EQ(committed(kDropCents), 2);
  EXPECT_EQ(scalar(c, "SELECT count(*) FROM orders WHERE touched <> 1"), "0")
      << "the second one must backfill every row, not resume the first one's checkpoint";
}

}  // namespace
