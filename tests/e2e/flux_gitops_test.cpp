// Flux for real: source-controller and kustomize-controller (built from their Go modules by
// hack/tools.sh flux) run as processes against the stack's API server, and sync a git
// repository served on loopback by git's own smart-HTTP backend. The repository holds
// orders/migrations (a SchemaMigration on a real orders table) and orders/app (a ConfigMap
// standing in for the app's rollout); gitops/flux/kustomizations.yaml, as shipped, applies them.
// What is checked is Flux's own verdict, with the operator binary doing the migration: the app's
// Kustomization (dependsOn the migrations', which waits) applies nothing while the migration
// runs, and only after it completed; after a rollback, never.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/helpers.h"
#include "support/orders_migration_test.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::eventually;
using schemashift::testing::kubectl;
using schemashift::testing::run_command;
using schemashift::testing::shell_quote;
using schemashift::testing::stack_var;
using schemashift::testing::Subprocess;
using schemashift::testing::unique_suffix;

const std::string kKustomizations = "kustomizations.kustomize.toolkit.fluxcd.io";
const std::string kAppConfigMap = "orders-app-v2";

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

class FluxGitOpsE2E : public schemashift::testing::OrdersMigrationTest {
 protected:
  FluxGitOpsE2E() : OrdersMigrationTest("flux") {}

  void SetUp() override {
    OrdersMigrationTest::SetUp();
    if (HasFatalFailure()) return;
    flux_dir_ = stack_var("FLUX_DIR");
    // Flux's CRDs from its module source, as its own install does (server-side: they are large).
    auto crds =
        run_command(kubectl("apply --server-side --force-conflicts -f " + flux_dir_ + "/crds/"));
    ASSERT_EQ(crds.exit_code, 0) << crds.output;
    for (auto crd : {"gitrepositories.source.toolkit.fluxcd.io",
                     "kustomizations.kustomize.toolkit.fluxcd.io"}) {
      auto r = run_command(
          kubectl(std::string("wait --for=condition=Established --timeout=60s crd/") + crd));
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    flux_ns_ = "flux-system-" + unique_suffix();
    ASSERT_EQ(run_command(kubectl("create namespace " + flux_ns_)).exit_code, 0);

    work_ = "/tmp/schemashift-flux-" + unique_suffix();
    std::filesystem::create_directories(work_ + "/repos");
    std::filesystem::create_directories(work_ + "/storage");
    auto init = run_command("git init -q --bare -b main " + work_ +
                            "/repos/shop-deploy.git && git clone -q " + work_ +
                            "/repos/shop-deploy.git " + work_ + "/checkout 2>&1");
    ASSERT_EQ(init.exit_code, 0) << init.output;

    git_http_ = std::make_unique<Subprocess>(std::vector<std::string>{
        std::string(SCHEMASHIFT_BINARY_DIR) + "/git-http", work_ + "/repos"});
    ASSERT_TRUE(eventually(
        [&] {
          const std::string out = git_http_->output();
          std::smatch m;
          if (!std::regex_search(out, m, std::regex("listening on (http://[0-9.:]+)")))
            return false;
          git_url_ = m[1].str() + "/shop-deploy.git";
          return true;
        },
        10s))
        << git_http_->output();

    const std::vector<std::string> env = {"KUBECONFIG=" + stack_var("KUBECONFIG"),
                                          "RUNTIME_NAMESPACE=" + flux_ns_};
    const std::string storage = "127.0.0.1:" + std::to_string(free_port());
    source_controller_ = std::make_unique<Subprocess>(
        std::vector<std::string>{
            flux_dir_ + "/bin/source-controller", "--watch-all-namespaces=false",
            "--metrics-addr=0", "--health-addr=0", "--storage-path=" + work_ + "/storage",
            "--storage-addr=" + storage, "--storage-adv-addr=" + storage, "--log-level=debug"},
        env);
    // Dependencies re-checked every 2 s instead of 30 s: the test waits less, Flux decides
    // the same.
    kustomize_controller_ = std::make_unique<Subprocess>(
        std::vector<std::string>{flux_dir_ + "/bin/kustomize-controller",
                                 "--watch-all-namespaces=false", "--metrics-addr=0",
                                 "--health-addr=0", "--requeue-dependency=2s"},
        env);
  }

  void TearDown() override {
    // Flux's objects carry finalizers: delete them while the controllers still run. A
    // Kustomization still inside its health check (a failed test) is not finalized until that
    // ends, so what is left after a while is let go by hand, as `flux uninstall` does.
    if (kustomize_controller_) {
      for (const std::string& kind :
           {kKustomizations, std::string("gitrepositories.source.toolkit.fluxcd.io")}) {
        (void)run_command(kubectl("-n " + flux_ns_ + " delete " + kind + " --all --timeout=20s"));
        auto left =
            run_command(kubectl("-n " + flux_ns_ + " get " + kind + " -o name") + " 2>/dev/null");
        std::istringstream names(left.output);
        for (std::string name; names >> name;)
          (void)run_command(kubectl("-n " + flux_ns_ + " patch " + name +
                                    " --type merge -p '{\"metadata\":{\"finalizers\":null}}'"));
      }
    }
    for (auto* p : {&kustomize_controller_, &source_controller_, &git_http_}) {
      if (*p) {
        (*p)->signal(SIGTERM);
        (*p)->wait();
      }
    }
    if (!flux_ns_.empty())
      (void)run_command(kubectl("delete namespace " + flux_ns_ + " --wait=false"));
    if (!work_.empty()) std::filesystem::remove_all(work_);
    OrdersMigrationTest::TearDown();
  }

  // The deploy repository: the migration and the app's rollout, committed and pushed to main.
  void push_repository(const std::string& migration) {
    const std::string co = work_ + "/checkout";
    std::filesystem::create_directories(co + "/orders/migrations");
    std::filesystem::create_directories(co + "/orders/app");
    std::ofstream(co + "/orders/migrations/amount.yaml") << migration;
    std::ofstream(co + "/orders/app/rollout.yaml")
        << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " << kAppConfigMap
        << "\n  namespace: " << ns_ << "\ndata:\n  release: v2\n  reads: amount\n";
    auto r = run_command(
        "cd " + co +
        " && git add -A && git -c user.name=ci -c user.email=ci@schemashift.invalid commit -qm "
        "'orders: amount in dollars' && git push -q origin HEAD:main 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // The project's GitRepository and Kustomizations as shipped, moved into this test's namespace
  // and pointed at the loopback server.
  void apply_flux_objects() {
    const std::string flux = std::string(SCHEMASHIFT_SOURCE_DIR) + "/gitops/flux/";
    std::string objects =
        read_file(flux + "gitrepository.yaml") + "---\n" + read_file(flux + "kustomizations.yaml");
    objects = replace_all(objects, "namespace: flux-system", "namespace: " + flux_ns_);
    objects = std::regex_replace(objects, std::regex("url: https://[^\n]*"), "url: " + git_url_);
    const std::string path = work_ + "/flux.yaml";
    std::ofstream(path) << objects;
    auto r = run_command(kubectl("apply -f " + path));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  std::string kustomization(const std::string& name, const std::string& jsonpath) {
    return run_command(kubectl("-n " + flux_ns_ + " get " + kKustomizations + " " + name +
                               " -o jsonpath=" + shell_quote(jsonpath)))
        .output;
  }
  std::string ready(const std::string& name, const std::string& field) {
    return kustomization(name, "{.status.conditions[?(@.type==\"Ready\")]." + field + "}");
  }
  bool app_applied() {
    return run_command(kubectl("-n " + ns_ + " get configmap " + kAppConfigMap)).exit_code == 0;
  }
  bool migration_exists(const std::string& name) {
    return run_command(kubectl("-n " + ns_ + " get smig " + name)).exit_code == 0;
  }
  std::string logs() {
    return "\n--- source-controller ---\n" + tail(source_controller_->output()) +
           "\n--- kustomize-controller ---\n" + tail(kustomize_controller_->output()) +
           (operator_ ? "\n--- operator ---\n" + tail(operator_->output()) : std::string()) +
           "\n--- git-http ---\n" + tail(git_http_->output());
  }
  static std::string tail(const std::string& s) {
    return s.size() > 6000 ? s.substr(s.size() - 6000) : s;
  }

  // The app's Kustomization held back by Flux itself: Ready=False, DependencyNotReady, nothing
  // applied. Checked over several of kustomize-controller's dependency re-checks.
  void expect_app_held_back(std::chrono::seconds over) {
    eventually(
        [&] { return ready("orders-app", "reason") == "DependencyNotReady" || app_applied(); },
        60s);
    ASSERT_EQ(ready("orders-app", "reason"), "DependencyNotReady")
        << ready("orders-app", "message") << logs();
    const auto until = std::chrono::steady_clock::now() + over;
    while (std::chrono::steady_clock::now() < until) {
      ASSERT_FALSE(app_applied()) << logs();
      EXPECT_EQ(ready("orders-app", "reason"), "DependencyNotReady");
      std::this_thread::sleep_for(500ms);
    }
    EXPECT_NE(ready("orders-app", "message").find("orders-migrations"), std::string::npos)
        << ready("orders-app", "message");
  }

  std::string flux_dir_, flux_ns_, work_, git_url_;
  std::unique_ptr<Subprocess> git_http_, source_controller_, kustomize_controller_;
};

TEST_F(FluxGitOpsE2E, TheAppRollsOutOnlyAfterItsMigrationCompleted) {
  // 20-row batches at a quarter duty: a backfill of many seconds over the 20,000 orders.
  ASSERT_NO_FATAL_FAILURE(push_repository(manifest("amount", "Auto", 20, "    dutyCycle: 0.25\n")));
  ASSERT_NO_FATAL_FAILURE(apply_flux_objects());

  // Flux fetched the repository over smart HTTP and applied the migration.
  ASSERT_TRUE(eventually([&] { return migration_exists("amount"); }, 120s)) << logs();
  EXPECT_NE(git_http_->output().find("git-upload-pack"), std::string::npos) << git_http_->output();

  // No operator yet: the migration is applied but not reconciled, so Flux's health check
  // (its own generation check before the healthCheckExprs: observed 0, generation 1) keeps the
  // migrations Kustomization in progress, and the app waits.
  ASSERT_NO_FATAL_FAILURE(expect_app_held_back(8s));
  EXPECT_EQ(ready("orders-migrations", "status"), "Unknown")
      << ready("orders-migrations", "message");

  // The operator runs the migration; at every look, the app is there only if the migration is
  // Completed, and the app is seen held back while the backfill runs.
  start_operator();
  bool held_during_backfill = false;
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration held_for{};
  ASSERT_TRUE(eventually(
      [&] {
        const bool applied = app_applied();
        const std::string p = phase("amount");
        EXPECT_TRUE(!applied || p == "Completed") << "app applied while the migration is " << p;
        if (p == "Backfilling" && !applied &&
            ready("orders-app", "reason") == "DependencyNotReady") {
          held_during_backfill = true;
          held_for = std::chrono::steady_clock::now() - started;
        }
        return p == "Completed";
      },
      240s))
      << phase("amount") << logs();
  EXPECT_TRUE(held_during_backfill);
  std::cout << "app held back by Flux while the backfill ran, last seen "
            << std::chrono::duration_cast<std::chrono::milliseconds>(held_for).count()
            << " ms after the operator started\n";
  EXPECT_FALSE(column_exists("amount_cents"));  // contract ran: the database says it is done

  // Flux's verdict: the migrations Kustomization turns Ready, then the app is applied.
  ASSERT_TRUE(eventually([&] { return ready("orders-migrations", "status") == "True"; }, 60s))
      << ready("orders-migrations", "message") << logs();
  ASSERT_TRUE(eventually([&] { return ready("orders-app", "status") == "True"; }, 60s))
      << ready("orders-app", "message") << logs();
  ASSERT_TRUE(app_applied());
  // Applied by kustomize-controller, and not before the migrations Kustomization was Ready
  // (both timestamps from the API server, in seconds).
  auto cm = run_command(
      kubectl("-n " + ns_ + " get configmap " + kAppConfigMap +
              " -o jsonpath='{.metadata.creationTimestamp} {.metadata.managedFields[0].manager}'"));
  std::istringstream fields(cm.output);
  std::string created, manager;
  fields >> created >> manager;
  EXPECT_EQ(manager, "kustomize-controller");
  EXPECT_GE(created, ready("orders-migrations", "lastTransitionTime"));
}

TEST_F(FluxGitOpsE2E, ARolledBackMigrationFailsItsKustomizationAndTheAppNeverApplies) {
  ASSERT_NO_FATAL_FAILURE(push_repository(manifest("amount", "Auto", 20, "    dutyCycle: 0.25\n")));
  ASSERT_NO_FATAL_FAILURE(apply_flux_objects());
  ASSERT_TRUE(eventually([&] { return migration_exists("amount"); }, 120s)) << logs();
  start_operator();
  ASSERT_TRUE(eventually([&] { return phase("amount") == "Backfilling"; }, 60s))
      << phase("amount") << operator_->output();
  // What `kubectl schemashift abort` does: the migration rolls back, losslessly.
  auto r = run_command(kubectl("-n " + ns_ + " annotate smig amount schemashift.io/abort=true"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(eventually([&] { return phase("amount") == "RolledBack"; }, 60s))
      << phase("amount") << operator_->output();
  EXPECT_FALSE(column_exists("amount"));
  EXPECT_TRUE(column_exists("amount_cents"));

  // Flux fails the health check at once (the `failed` expression: Stalled=True), long before
  // the 2h timeout, and keeps the app out. It retries with backoff, so Ready goes between
  // False/HealthCheckFailed and False/Progressing, never True.
  std::string failure;
  ASSERT_TRUE(eventually(
      [&] {
        failure = kustomization(
            "orders-migrations",
            "{range .status.conditions[?(@.type==\"Ready\")]}{.status} {.reason} {.message}{end}");
        return failure.rfind("False HealthCheckFailed", 0) == 0;
      },
      60s))
      << failure << logs();
  EXPECT_NE(failure.find("SchemaMigration"), std::string::npos) << failure;
  std::cout << "orders-migrations Ready: " << failure << "\n";
  ASSERT_NO_FATAL_FAILURE(expect_app_held_back(8s));
  EXPECT_NE(ready("orders-migrations", "status"), "True");
}

// The healthCheckExprs at work (plain kstatus would hold the app here): a migration waiting for
// manual approval counts as done for the migrations Kustomization, so the app rolls out on the
// expanded schema while the old column is still there; the contract runs when approved.
TEST_F(FluxGitOpsE2E, AManualContractLetsTheAppRollOutBeforeApproval) {
  ASSERT_NO_FATAL_FAILURE(push_repository(manifest("amount", "Manual", 5000)));
  ASSERT_NO_FATAL_FAILURE(apply_flux_objects());
  ASSERT_TRUE(eventually([&] { return migration_exists("amount"); }, 120s)) << logs();
  start_operator();
  ASSERT_TRUE(eventually([&] { return phase("amount") == "AwaitingContract"; }, 120s))
      << phase("amount") << operator_->output();
  ASSERT_TRUE(eventually([&] { return ready("orders-migrations", "status") == "True"; }, 60s))
      << ready("orders-migrations", "message") << logs();
  ASSERT_TRUE(eventually([&] { return app_applied(); }, 60s))
      << ready("orders-app", "message") << logs();
  EXPECT_EQ(phase("amount"), "AwaitingContract");
  EXPECT_TRUE(column_exists("amount_cents"));  // the old shape still serves
  auto r = run_command(kubectl("-n " + ns_ + " annotate smig amount schemashift.io/approve=true"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(eventually([&] { return phase("amount") == "Completed"; }, 60s))
      << phase("amount") << operator_->output();
  EXPECT_FALSE(column_exists("amount_cents"));
}

}  // namespace
