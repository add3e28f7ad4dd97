// The operator's Helm chart as a user installs it: `helm lint` clean, the chart's CRD the same
// as crds/, `helm install` into a namespace that enforces the restricted Pod Security Standard
// with no warning from the real API server's admission, RBAC that matches a golden
// `kubectl auth can-i --list` (no wildcard, no escalate/bind/impersonate) in namespaced and
// cluster mode, and a full migration completed by the operator holding only the chart's
// ServiceAccount token.
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>

#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"
#include "support/tcp_proxy.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::eventually;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::scalar;
using schemashift::testing::service_account_kubeconfig;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;

const std::string kChart = std::string(SCHEMASHIFT_SOURCE_DIR) + "/charts/schemashift";
const std::string kGolden = std::string(SCHEMASHIFT_SOURCE_DIR) + "/tests/fixtures/rbac/";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string helm(const std::string& args) {
  return stack_var("HELM_BIN") + " --kubeconfig " + stack_var("KUBECONFIG") + " " + args;
}

// `kubectl auth can-i --list` for the chart's ServiceAccount, one rule per line, sorted, with
// the release's and the watched namespace's random names replaced by placeholders.
std::string can_i(const std::string& release_ns, const std::string& in_ns,
                  const std::string& watched_ns) {
  auto r = run_command(kubectl("auth can-i --list -n " + in_ns +
                               " --as=system:serviceaccount:" + release_ns + ":schemashift"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::vector<std::string> rows;
  std::string line;
  while (std::getline(lines, line)) {
    line = std::regex_replace(line, std::regex("\\s+"), " ");
    line = std::regex_replace(line, std::regex(" $"), "");
    if (line.empty()) continue;
    if (!release_ns.empty()) line = std::regex_replace(line, std::regex(release_ns), "RELEASE_NS");
    if (!watched_ns.empty()) line = std::regex_replace(line, std::regex(watched_ns), "WATCHED_NS");
    rows.push_back(line);
  }
  std::string header = rows.empty() ? "" : rows.front();
  if (!rows.empty()) rows.erase(rows.begin());
  std::sort(rows.begin(), rows.end());
  std::string out = header + "\n";
  for (const auto& row : rows) out += row + "\n";
  return out;
}

// The chart's rules (rows naming a resource; the non-resource URL rows are the API server's
// own discovery defaults, the same for every identity) hold no wildcard and no verb that
// grants more than it names.
void expect_no_dangerous_rules(const std::string& listing) {
  std::istringstream lines(listing);
  std::string row;
  while (std::getline(lines, row)) {
    if (row.rfind(" [", 0) == 0 || row.rfind("Resources", 0) == 0) continue;
    EXPECT_EQ(row.find('*'), std::string::npos) << "a wildcard: " << row;
    for (const char* verb : {"escalate", "bind", "impersonate"})
      EXPECT_EQ(row.find(verb), std::string::npos) << verb << ": " << row;
  }
}

// Compares with the golden file; SCHEMASHIFT_UPDATE_GOLDEN=1 rewrites it instead.
void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = kGolden + name;
  if (const char* u = std::getenv("SCHEMASHIFT_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(path) << actual;
    return;
  }
  EXPECT_EQ(read_text(path), actual)
      << "RBAC drifted from " << path << " (SCHEMASHIFT_UPDATE_GOLDEN=1 rewrites it after review)";
}

TEST(OperatorChart, LintsCleanAndShipsTheSameCrdAsCrds) {
  for (const std::string& values :
       {std::string(), std::string("--set watchNamespace=shop --set secretNames={orders-db}")}) {
    auto lint = run_command(helm("lint " + kChart + " " + values));
    EXPECT_EQ(lint.exit_code, 0) << lint.output;
    EXPECT_EQ(lint.output.find("[WARNING]"), std::string::npos) << lint.output;
    EXPECT_EQ(lint.output.find("[ERROR]"), std::string::npos) << lint.output;
  }
  EXPECT_EQ(
      read_text(kChart + "/crds/schemashift.io_schemamigrations.yaml"),
      read_text(std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/schemashift.io_schemamigrations.yaml"))
      << "charts/schemashift/crds/ differs from crds/: copy "
         "crds/schemashift.io_schemamigrations.yaml";
}

TEST(OperatorChart, BadValuesAreRefusedNamingTheField) {
  auto r = run_command(helm("template x " + kChart + " --set watchNamespace=Not_A_Namespace"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("watchNamespace"), std::string::npos) << r.output;
  r = run_command(helm("template x " + kChart + " --set replicaCount=0"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("replicaCount"), std::string::npos) << r.output;
}

TEST(OperatorChart, GrafanaDashboardConfigMapOnlyWhenAsked) {
  auto off = run_command(helm("template x " + kChart));
  ASSERT_EQ(off.exit_code, 0) << off.output;
  EXPECT_EQ(off.output.find("grafana_dashboard"), std::string::npos) << off.output;

  auto on = run_command(helm("template x " + kChart +
                             " --namespace ops --set metrics.grafanaDashboard.enabled=true"
                             " --set metrics.grafanaDashboard.namespace=monitoring"
                             " --set metrics.grafanaDashboard.annotations.grafana_folder=DB"));
  ASSERT_EQ(on.exit_code, 0) << on.output;
  const auto at = on.output.find("name: x-schemashift-dashboard");
  ASSERT_NE(at, std::string::npos) << on.output;
  const std::string cm = on.output.substr(at);
  EXPECT_NE(cm.find("namespace: monitoring"), std::string::npos) << cm;
  EXPECT_NE(cm.find("grafana_dashboard: \"1\""), std::string::npos) << cm;
  EXPECT_NE(cm.find("grafana_folder: DB"), std::string::npos) << cm;
  EXPECT_NE(cm.find("\"uid\": \"schemashift-migrations\""), std::string::npos) << cm;

  auto bad =
      run_command(helm("template x " + kChart + " --set metrics.grafanaDashboard.enable=true"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("grafanaDashboard"), std::string::npos) << bad.output;
}

class OperatorChartInstall : public ::testing::Test {
 protected:
  void SetUp() override {
    release_ns_ = "ss-system-" + unique_suffix();
    app_ns_ = "ss-app-" + unique_suffix();
    for (const auto& ns : {release_ns_, app_ns_})
      ASSERT_EQ(run_command(kubectl("create namespace " + ns)).exit_code, 0);
    auto label = run_command(kubectl(
        "label namespace " + release_ns_ +
        " pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted "
        "pod-security.kubernetes.io/audit=restricted"));
    ASSERT_EQ(label.exit_code, 0) << label.output;
  }
  void TearDown() override {
    if (operator_) {
      (void)run_command(kubectl("-n " + app_ns_ + " delete smig --all --timeout=30s"));
      operator_->signal(SIGTERM);
      operator_->wait();
    }
    for (const auto& r : releases_)
      (void)run_command(helm("uninstall " + r + " -n " + release_ns_));
    for (const auto& ns : {release_ns_, app_ns_})
      (void)run_command(kubectl("delete namespace " + ns + " --wait=false"));
  }
  // helm install, with the API server's warnings in the output (helm prints them).
  std::string install(const std::string& release, const std::string& values) {
    releases_.push_back(release);
    auto r = run_command(helm("install " + release + " " + kChart + " -n " + release_ns_ +
                              " --set replicaCount=1 " + values));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  // A 20,000-row orders table, and the README's migration on it (contract approved up front)
  // in the watched namespace.
  static void make_orders(pqxx::connection& db, const std::string& table) {
    pqxx::work tx(db);
    tx.exec0("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, amount_cents int NOT NULL)");
    tx.exec0("INSERT INTO " + table + " (amount_cents) SELECT g FROM generate_series(1, 20000) g");
    tx.commit();
  }
  void apply_orders_migration(const std::string& table) {
    const std::string path = "/tmp/schemashift-chart-" + unique_suffix() + ".yaml";
    std::ofstream(path) << "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n"
                        << "  name: orders-amount\n  namespace: " << app_ns_ << "\nspec:\n"
                        << "  database: {secretRef: {name: orders-db}}\n"
                        << "  expand: {sql: [\"ALTER TABLE " << table
                        << " ADD COLUMN IF NOT EXISTS amount numeric(12,2)\"]}\n"
                        << "  backfill: {table: " << table
                        << ", keyColumn: id, set: \"amount = amount_cents / 100.0\", pendingWhere: "
                           "\"amount IS NULL\"}\n"
                        << "  contract: {sql: [\"ALTER TABLE " << table
                        << " DROP COLUMN amount_cents\"], approval: Auto}\n"
                        << "  rollback: {sql: [\"ALTER TABLE " << table
                        << " DROP COLUMN IF EXISTS amount\"]}\n";
    auto applied = run_command(kubectl("apply -f " + path));
    ASSERT_EQ(applied.exit_code, 0) << applied.output;
  }

  std::string release_ns_, app_ns_;
  std::vector<std::string> releases_;
  std::unique_ptr<Subprocess> operator_;
};

TEST_F(OperatorChartInstall, RestrictedNamespaceAdmitsItWithoutAWarning) {
  const std::string out = install("schemashift", "--set watchNamespace=" + app_ns_);
  EXPECT_EQ(out.find("Warning"), std::string::npos) << out;
  EXPECT_EQ(out.find("violate"), std::string::npos) << out;
  EXPECT_NE(out.find("watching namespace " + app_ns_), std::string::npos) << "NOTES:\n" << out;
  // The Deployment's pods were admitted by the restricted policy (a refused pod leaves a
  // FailedCreate event on the ReplicaSet and no pod).
  ASSERT_TRUE(eventually(
      [&] {
        auto pods = run_command(kubectl("-n " + release_ns_ +
                                        " get pods -l app.kubernetes.io/name=schemashift -o name"));
        return pods.output.find("pod/") != std::string::npos;
      },
      30s));
  auto events = run_command(kubectl("-n " + release_ns_ + " get events"));
  EXPECT_EQ(events.output.find("FailedCreate"), std::string::npos) << events.output;
}

TEST_F(OperatorChartInstall, RbacMatchesTheGoldenListInBothModes) {
  install("schemashift", "--set watchNamespace=" + app_ns_);
  const auto watched = can_i(release_ns_, app_ns_, app_ns_);
  const auto own = can_i(release_ns_, release_ns_, app_ns_);
  expect_no_dangerous_rules(watched);
  expect_no_dangerous_rules(own);
  expect_golden("namespaced-watched.txt", watched);
  expect_golden("namespaced-release.txt", own);
  // Nothing at all in a namespace it does not watch.
  const std::string other = "ss-other-" + unique_suffix();
  ASSERT_EQ(run_command(kubectl("create namespace " + other)).exit_code, 0);
  auto secret = run_command(kubectl("auth can-i get secrets -n " + other +
                                    " --as=system:serviceaccount:" + release_ns_ + ":schemashift"));
  EXPECT_EQ(secret.output.rfind("no", 0), 0u) << secret.output;
  (void)run_command(kubectl("delete namespace " + other + " --wait=false"));

  // Cluster mode, from a second release in its own namespace.
  (void)run_command(helm("uninstall schemashift -n " + release_ns_));
  releases_.clear();
  install("schemashift", "");
  const auto cluster = can_i(release_ns_, app_ns_, app_ns_);
  expect_no_dangerous_rules(cluster);
  expect_golden("cluster-watched.txt", cluster);
  auto list_secrets = run_command(kubectl(
      "auth can-i list secrets -A --as=system:serviceaccount:" + release_ns_ + ":schemashift"));
  EXPECT_EQ(list_secrets.output.rfind("no", 0), 0u) << list_secrets.output;
}

TEST_F(OperatorChartInstall, TwoWatchedNamespacesGetTheSameRulesAndAThirdNone) {
  const std::string second = "ss-app2-" + unique_suffix();
  ASSERT_EQ(run_command(kubectl("create namespace " + second)).exit_code, 0);
  const std::string out =
      install("schemashift", "--set 'watchNamespaces={" + app_ns_ + "," + second + "}'");
  EXPECT_NE(out.find("watching namespaces "), std::string::npos) << "NOTES:\n" << out;
  for (const auto& ns : {app_ns_, second}) {
    const auto watched = can_i(release_ns_, ns, ns);
    expect_no_dangerous_rules(watched);
    expect_golden("namespaced-watched.txt", watched);
  }
  expect_golden("namespaced-release.txt", can_i(release_ns_, release_ns_, app_ns_));
  const std::string other = "ss-other-" + unique_suffix();
  ASSERT_EQ(run_command(kubectl("create namespace " + other)).exit_code, 0);
  auto smig = run_command(kubectl("auth can-i list schemamigrations.schemashift.io -n " + other +
                                  " --as=system:serviceaccount:" + release_ns_ + ":schemashift"));
  EXPECT_EQ(smig.output.rfind("no", 0), 0u) << smig.output;
  for (const auto& ns : {second, other})
    (void)run_command(kubectl("delete namespace " + ns + " --wait=false"));
}

TEST_F(OperatorChartInstall, AMigrationCompletesWithOnlyTheChartsRbac) {
  install("schemashift", "--set watchNamespace=" + app_ns_ + " --set secretNames={orders-db}");
  const std::string table = "chart_orders_" + unique_suffix();
  const int metrics_port = schemashift::testing::free_port();
  pqxx::connection db(stack_var("PG_ORDERS_DSN"));
  make_orders(db, table);
  ASSERT_EQ(
      run_command(kubectl("-n " + app_ns_ + " create secret generic orders-db --from-literal=dsn=" +
                          shell_quote(stack_var("PG_ORDERS_DSN"))))
          .exit_code,
      0);
  // The chart's own pods step aside (the real-node test below runs them); this operator
  // process holds the chart ServiceAccount's token and nothing else, with the chart's flags
  // (watched namespace, leader election in the release's namespace, its own Lease).
  ASSERT_EQ(run_command(kubectl("-n " + release_ns_ + " scale deploy/schemashift --replicas=0"))
                .exit_code,
            0);
  operator_ = std::make_unique<Subprocess>(std::vector<std::string>{
      std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator", "--kubeconfig",
      service_account_kubeconfig(release_ns_, "schemashift"), "--namespace", app_ns_,
      "--leader-elect", "--leader-election-namespace", release_ns_, "--leader-election-id",
      "schemashift-host", "--metrics-bind-address", "127.0.0.1:" + std::to_string(metrics_port),
      "--health-probe-bind-address", "0"});
  apply_orders_migration(table);
  auto wait = run_command(
      kubectl("-n " + app_ns_ + " wait --for=condition=Ready smig/orders-amount --timeout=120s"));
  ASSERT_EQ(wait.exit_code, 0) << wait.output << "\n" << operator_->output();
  EXPECT_EQ(operator_->output().find("Forbidden"), std::string::npos) << operator_->output();
  EXPECT_EQ(scalar(db, "SELECT sum(amount * 100)::bigint FROM " + table),
            std::to_string(20000LL * 20001 / 2));
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" +
                           table + "' AND column_name = 'amount_cents'"),
            "0");
  // What a Prometheus scraping it sees of the migration, and nothing once it is deleted.
  auto scrape = [&] {
    httplib::Client c("127.0.0.1", metrics_port);
    auto r = c.Get("/metrics");
    return r && r->status == 200 ? r->body : std::string();
  };
  const std::string id = "name=\"orders-amount\",namespace=\"" + app_ns_ + "\"";
  const std::string text = scrape();
  for (const std::string& want :
       {"schemashift_migration_phase{" + id + ",phase=\"Completed\"} 1\n",
        "schemashift_migration_phase{" + id + ",phase=\"Backfilling\"} 0\n",
        "schemashift_migration_backfill_rows_done{" + id + "} 20000\n",
        "schemashift_migration_rollbacks_total{" + id + "} 0\n",
        std::string("leader_election_master_status{name=\"schemamigration\"} 1\n")}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  ASSERT_EQ(
      run_command(kubectl("-n " + app_ns_ + " delete smig orders-amount --wait=true")).exit_code,
      0);
  EXPECT_TRUE(eventually([&] { return scrape().find(id) == std::string::npos; }, 10s)) << scrape();
  pqxx::work tx(db);
  tx.exec0("DROP TABLE IF EXISTS " + table);
  tx.commit();
}

}  // namespace

namespace {

// The chart as a cluster runs it: two replicas of the operator's image on the real node, in a
// namespace that enforces the restricted policy, both Ready (the standby too), `helm test`
// passing, and a migration completed by the leader through in-cluster configuration.
TEST_F(OperatorChartInstall, TwoReplicasRunOnTheRealNodePassHelmTestAndMigrate) {
  auto installed = run_command(helm(
      "install schemashift " + kChart + " -n " + release_ns_ + " --set watchNamespace=" + app_ns_ +
      " --set-string 'nodeSelector.schemashift\\.io/node=real' --wait --timeout 120s"));
  releases_.push_back("schemashift");
  ASSERT_EQ(installed.exit_code, 0)
      << installed.output << run_command(kubectl("-n " + release_ns_ + " get pods -o wide")).output
      << run_command(kubectl("-n " + release_ns_ + " logs deploy/schemashift")).output;
  EXPECT_EQ(installed.output.find("Warning"), std::string::npos) << installed.output;
  auto ready = run_command(kubectl(
      "-n " + release_ns_ + " get deploy schemashift -o jsonpath='{.status.readyReplicas}'"));
  EXPECT_EQ(ready.output, "2") << "the standby replica must be Ready too";
  auto tested = run_command(helm("test schemashift -n " + release_ns_ + " --timeout 60s"));
  EXPECT_EQ(tested.exit_code, 0) << tested.output;
  EXPECT_NE(tested.output.find("Succeeded"), std::string::npos) << tested.output;

  const std::string table = "chart_pod_orders_" + unique_suffix();
  pqxx::connection db(stack_var("PG_ORDERS_DSN"));
  make_orders(db, table);
  ASSERT_EQ(
      run_command(kubectl("-n " + app_ns_ + " create secret generic orders-db --from-literal=dsn=" +
                          shell_quote(stack_var("PG_ORDERS_DSN_INCLUSTER"))))
          .exit_code,
      0);
  apply_orders_migration(table);
  auto wait = run_command(
      kubectl("-n " + app_ns_ + " wait --for=condition=Ready smig/orders-amount --timeout=120s"));
  EXPECT_EQ(wait.exit_code, 0)
      << wait.output
      << run_command(kubectl("-n " + app_ns_ + " get smig orders-amount -o yaml")).output;
  EXPECT_EQ(scalar(db, "SELECT sum(amount * 100)::bigint FROM " + table),
            std::to_string(20000LL * 20001 / 2));
  auto logs =
      run_command(kubectl("-n " + release_ns_ + " logs -l app.kubernetes.io/name=schemashift"));
  EXPECT_NE(logs.output.find("(in-cluster service account)"), std::string::npos) << logs.output;
  (void)run_command(kubectl("-n " + app_ns_ + " delete smig --all --timeout=30s"));
  pqxx::work tx(db);
  tx.exec0("DROP TABLE IF EXISTS " + table);
  tx.commit();
}

}  // namespace
