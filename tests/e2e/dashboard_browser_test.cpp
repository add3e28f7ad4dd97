// `kubectl schemashift dashboard` as a person uses it: the real operator runs a migration
// against the stack's PostgreSQL, the dashboard watches the API server with the user's
// kubeconfig, and a real headless Chromium (Debian's, through chromedriver) looks at the page —
// the phase and the backfill's progress move on screen without a reload, the gate's values
// arrive, Pause and Resume clicked on the page hold and release it, an Abort clicked there
// (with --allow-actions) rolls the migration back, and a read-only dashboard shows no controls
// and refuses them.
#include <fstream>
#include <regex>

#include <httplib.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/browser_session.h"
#include "support/helpers.h"
#include "support/orders_migration_test.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using schemashift::testing::BrowserSession;
using schemashift::testing::eventually;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;

class DashboardBrowserE2E : public schemashift::testing::OrdersMigrationTest {
 protected:
  DashboardBrowserE2E() : OrdersMigrationTest("dash") {}
  void SetUp() override {
    OrdersMigrationTest::SetUp();
    start_operator();
  }
  void TearDown() override {
    browser_.reset();
    if (dashboard_) {
      dashboard_->signal(SIGINT);  // as Ctrl-C: it must stop cleanly
      EXPECT_EQ(dashboard_->wait(), 0) << dashboard_->output();
    }
    OrdersMigrationTest::TearDown();
  }

  // The dashboard as a user starts it; returns the URL it prints.
  std::string start_dashboard(bool allow_actions) {
    std::vector<std::string> argv = {std::string(SCHEMASHIFT_BINARY_DIR) + "/kubectl-schemashift",
                                     "--kubeconfig",
                                     stack_var("KUBECONFIG"),
                                     "-n",
                                     ns_,
                                     "dashboard",
                                     "--port",
                                     "0"};
    if (allow_actions) argv.push_back("--allow-actions");
    dashboard_ = std::make_unique<Subprocess>(argv);
    std::smatch url;
    const std::regex said(R"(Dashboard: (http://127\.0\.0\.1:[0-9]+/))");
    EXPECT_TRUE(eventually(
        [&] {
          const std::string out = dashboard_->output();
          return std::regex_search(out, url, said);
        },
        30s))
        << dashboard_->output();
    const std::string out = dashboard_->output();
    std::regex_search(out, url, said);
    return url.size() > 1 ? url[1].str() : "";
  }

  // The migration with a slow, paced backfill (60,000 rows in 20-row batches, a twentieth of
  // the time in batches: about a minute here, longer on a busy machine) and a replica-lag gate that
  // measures without tripping.
  void apply_paced(const std::string& name) {
    pqxx::work tx(db_);
    tx.exec0("INSERT INTO " + table_ +
             " (amount_cents) SELECT g FROM generate_series(20001, 60000) g");
    tx.exec0("ANALYZE " + table_);
    tx.commit();
    const std::string path = "/tmp/schemashift-dash-" + unique_suffix() + ".yaml";
    std::ofstream(path)
        << "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n  name: " << name
        << "\n  namespace: " << ns_ << "\nspec:\n  database:\n    secretRef: {name: orders-db}\n"
        << "  expand:\n    sql: [\"ALTER TABLE " << table_
        << " ADD COLUMN IF NOT EXISTS amount numeric(12,2)\"]\n"
        << "  backfill:\n    table: " << table_
        << "\n    keyColumn: id\n    set: amount = amount_cents / 100.0\n"
        << "    pendingWhere: amount IS NULL\n    minBatch: 10\n    maxBatch: 20\n"
        << "    dutyCycle: 0.05\n"
        << "  gates:\n  - {name: replica-lag, provider: postgresReplicaLag, maxLagBytes: "
           "100000000000, intervalSeconds: 0.5}\n"
        << "  contract:\n    sql: [\"ALTER TABLE " << table_
        << " DROP COLUMN amount_cents\"]\n    approval: Manual\n"
        << "  rollback:\n    sql: [\"ALTER TABLE " << table_
        << " DROP COLUMN IF EXISTS amount\"]\n";
    auto r = run_command(kubectl("apply -f " + path));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // What the page shows in `css` (its text), or "" when there is no such element.
  std::string on_screen(const std::string& css) {
    auto v = browser_->execute("const e = document.querySelector(" + json(css).dump() +
                               "); return e ? e.textContent : '';");
    return v.is_string() ? v.get<std::string>() : "";
  }
  long long rows_on_screen() {
    auto v = browser_->execute(
        "const e = document.getElementById('detail-progress-text');"
        "return e && e.getAttribute('data-rows-done') ? Number(e.getAttribute('data-rows-done')) "
        ": -1;");
    return v.is_number() ? v.get<long long>() : -1;
  }
  std::string page_phase() {
    auto v = browser_->execute(
        "const e = document.getElementById('detail-phase');"
        "return e && e.getAttribute('data-phase') || '';");
    return v.is_string() ? v.get<std::string>() : "";
  }
  std::string annotations(const std::string& name) {
    return run_command(kubectl("-n " + ns_ + " get smig " + name +
                               " -o jsonpath='{.metadata.annotations}'"))
        .output;
  }

  std::unique_ptr<Subprocess> dashboard_;
  std::unique_ptr<BrowserSession> browser_;
};

TEST_F(DashboardBrowserE2E, ARunningMigrationMovesOnScreenAndAbortOnThePageRollsItBack) {
  const std::string url = start_dashboard(true);
  ASSERT_FALSE(url.empty());
  browser_ = std::make_unique<BrowserSession>();
  // The page is open before the migration exists: everything after arrives through the stream.
  browser_->navigate(url);
  browser_->execute("window.__openedOnce = 'yes'; return true;");
  ASSERT_TRUE(eventually([&] { return on_screen("#conn-state") == "live"; }, 60s))
      << on_screen("#conn-state") << dashboard_->output();
  EXPECT_EQ(on_screen("#mode"), "controls enabled");

  apply_paced("paced");
  ASSERT_TRUE(eventually(
      [&] { return on_screen("#migrations tbody").find("paced") != std::string::npos; }, 60s))
      << on_screen("#migrations");
  ASSERT_TRUE(eventually([&] { return page_phase() == "Backfilling"; }, 120s))
      << "page: " << page_phase() << " API: " << phase("paced") << "\n"
      << operator_->output();
  // The backfill moves on screen: rows done grow between two looks, still mid-way.
  long long first = -1;
  ASSERT_TRUE(eventually(
      [&] {
        first = rows_on_screen();
        return first > 0;
      },
      120s))
      << on_screen("#detail-progress");
  ASSERT_TRUE(eventually([&] { return rows_on_screen() > first; }, 120s))
      << first << " " << on_screen("#detail-progress");
  EXPECT_LT(rows_on_screen(), 60000) << "the backfill was not observed mid-way";
  EXPECT_NE(on_screen("#detail-rate").find("rows/s"), std::string::npos)
      << on_screen("#detail-progress");
  EXPECT_EQ(on_screen("#timeline li[data-stage=migrate] .sub"), "running");
  EXPECT_EQ(on_screen("#timeline li[data-stage=validate] .sub"), "done");
  // The gate's measurements arrive and are drawn over time.
  EXPECT_TRUE(eventually(
      [&] {
        return browser_->execute("return document.querySelectorAll('#gate-chart polyline').length;")
                   .get<int>() > 0;
      },
      60s))
      << on_screen("#gates");
  EXPECT_NE(on_screen("#gates").find("replica-lag"), std::string::npos);
  EXPECT_EQ(on_screen("#counter-total"), "1");
  EXPECT_EQ(on_screen("#counter-validated"), "1");
  EXPECT_TRUE(
      eventually([&] { return on_screen("#log").find("no events yet") == std::string::npos; }, 60s))
      << on_screen("#log");

  // All of that without the page reloading.
  EXPECT_EQ(browser_->execute("return window.__openedOnce || 'reloaded';"), "yes");
  {
    const char* shot = std::getenv("SCHEMASHIFT_DASHBOARD_SCREENSHOT");
    const std::string path =
        shot && *shot ? shot : std::string(SCHEMASHIFT_BINARY_DIR) + "/../dashboard.png";
    std::ofstream(path, std::ios::binary) << browser_->screenshot_png();
  }

  // Pause and Resume from the page set and clear the same annotation as the plugin's commands.
  ASSERT_TRUE(browser_->click("#action-pause"));
  ASSERT_TRUE(eventually(
      [&] { return on_screen("#detail-phase").find("(paused)") != std::string::npos; }, 60s))
      << on_screen("#detail-phase") << " " << on_screen("#action-result");
  EXPECT_NE(annotations("paced").find("schemashift.io/paused"), std::string::npos);
  ASSERT_TRUE(browser_->click("#action-resume"));
  ASSERT_TRUE(eventually(
      [&] { return on_screen("#detail-phase").find("(paused)") == std::string::npos; }, 60s))
      << on_screen("#detail-phase") << " " << on_screen("#action-result");
  EXPECT_EQ(annotations("paced").find("schemashift.io/paused"), std::string::npos);

  ASSERT_TRUE(browser_->click("#action-abort"));
  ASSERT_TRUE(eventually([&] { return browser_->accept_alert(); }, 10s)) << "no confirmation";
  ASSERT_TRUE(eventually([&] { return page_phase() == "RolledBack"; }, 120s))
      << "page: " << page_phase() << " API: " << phase("paced") << "\n"
      << on_screen("#action-result") << "\n"
      << operator_->output();
  EXPECT_EQ(phase("paced"), "RolledBack");
  EXPECT_NE(annotations("paced").find("schemashift.io/abort"), std::string::npos);
  EXPECT_FALSE(column_exists("amount")) << "the rollback did not run in the database";
  EXPECT_TRUE(column_exists("amount_cents"));
  EXPECT_EQ(on_screen("#counter-rolledback"), "1 / 0");
  EXPECT_EQ(browser_->execute("return window.__openedOnce || 'reloaded';"), "yes");
}

TEST_F(DashboardBrowserE2E, ReadOnlyByDefaultNoControlsAndTheyAreRefused) {
  const std::string url = start_dashboard(false);
  ASSERT_FALSE(url.empty());
  apply("plain", "Manual", 50);
  browser_ = std::make_unique<BrowserSession>();
  browser_->navigate(url + "#" + ns_ + "%2Fplain");
  ASSERT_TRUE(eventually([&] { return !page_phase().empty(); }, 60s)) << dashboard_->output();
  EXPECT_EQ(on_screen("#mode"), "read-only");
  EXPECT_EQ(browser_->execute("const a = document.getElementById('actions');"
                              "return a.hidden && a.offsetParent === null;"),
            true)
      << "controls shown on a read-only dashboard";
  // The browser itself will not click it: it is not on screen.
  EXPECT_THROW(browser_->click("#action-abort"), std::runtime_error);

  // The endpoint refuses even when the page's own request is forged in the browser...
  browser_->execute(
      "fetch('/api/migrations/" + ns_ +
      "/plain/abort', {method: 'POST', headers: {'X-Schemashift-Dashboard': 'action'}})"
      ".then(r => { window.__abortStatus = r.status; }); return true;");
  ASSERT_TRUE(eventually(
      [&] { return browser_->execute("return window.__abortStatus || 0;") == json(403); }, 30s))
      << browser_->execute("return window.__abortStatus || 0;");
  // ... and from outside it.
  std::smatch port;
  ASSERT_TRUE(std::regex_search(url, port, std::regex(R"(:([0-9]+)/)")));
  httplib::Client http("127.0.0.1", std::stoi(port[1]));
  auto refused = http.Post("/api/migrations/" + ns_ + "/plain/abort",
                           {{"X-Schemashift-Dashboard", "action"}}, "", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
  // A page from another name for this address (DNS rebinding) gets nothing.
  auto rebound = http.Get("/api/board", {{"Host", "attacker.example:" + port[1].str()}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 421);

  EXPECT_EQ(annotations("plain").find("schemashift.io/abort"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return page_phase() == "AwaitingContract"; }, 120s))
      << page_phase() << " " << phase("plain");
  EXPECT_EQ(phase("plain"), "AwaitingContract") << "the read-only dashboard changed the migration";
}

}  // namespace
