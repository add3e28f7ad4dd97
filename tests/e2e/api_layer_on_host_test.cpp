// Scenarios 7 and 6 without the real node: the real operator binary, the real API server, the
// real services as processes on the host (their own scratch databases, the stack's Kafka and
// registry). Each target's Deployment runs its one replica on kwok's simulated node, standing
// in for the pod whose ready replicas the barrier counts and whose IP the apiTraffic evidence
// scrapes: the test sets that pod's IP to 127.0.0.1, where the service process listens. The
// real-node versions (services_api_retirement_test, services_consumer_rollback_test) run the
// services' charts; these show the operator's part on any stack, in well under a minute each.
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>

#include "gates/prom_text.h"
#include "services/integration/service_harness.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/scratch_database.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace schemashift::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// A namespace with the operator watching it, Deployments on kwok and host-side Secrets.
class HostMigration {
 public:
  HostMigration() : ns_("api-host-" + unique_suffix()) {
    auto crds = run_command(kubectl("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/"));
    if (crds.exit_code != 0) throw std::runtime_error("CRDs: " + crds.output);
    if (run_command(kubectl("create namespace " + ns_)).exit_code != 0)
      throw std::runtime_error("namespace " + ns_);
    operator_ = std::make_unique<Subprocess>(std::vector<std::string>{
        std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator", "--kubeconfig",
        stack_var("KUBECONFIG"), "--namespace", ns_, "--metrics-bind-address", "0",
        "--health-probe-bind-address", "0"});
  }
  ~HostMigration() {
    (void)run_command(kubectl("-n " + ns_ + " delete smig --all --timeout=30s"));
    operator_->signal(SIGTERM);
    operator_->wait();
    (void)run_command(kubectl("delete namespace " + ns_ + " --wait=false"));
  }
  const std::string& ns() const { return ns_; }

  // Secret `name` (key dsn) with `dsn`, through stdin.
  void secret(const std::string& name, const std::string& dsn) {
    auto r = run_command(
        "printf '%s' " + shell_quote(dsn) + " | " +
        kubectl("-n " + ns_ + " create secret generic " + name + " --from-file=dsn=/dev/stdin"));
    if (r.exit_code != 0) throw std::runtime_error("secret " + name + ": " + r.output);
  }
  // Deployment `name` with one replica on kwok, its pod Ready with IP 127.0.0.1.
  void deployment_on_host(const std::string& name) {
    apply("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name +
          "}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: " + name +
          "}}\n  template:\n    metadata: {labels: {app: " + name +
          "}}\n    spec:\n      nodeSelector: {type: kwok}\n"
          "      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]\n"
          "      containers: [{name: service, image: schemashift.local/" +
          name + ":dev}]\n");
    std::string pod;
    if (!eventually(
            [&] {
              pod = run_command(kubectl("-n " + ns_ + " get pods -l app=" + name +
                                        " --field-selector=status.phase=Running -o name"))
                        .output;
              return pod.rfind("pod/", 0) == 0;
            },
            60s))
      throw std::runtime_error("kwok never ran " + name);
    pod = pod.substr(0, pod.find('\n'));
    auto r = run_command(
        kubectl("-n " + ns_ + " patch " + pod +
                " --subresource=status --type=merge -p "
                "'{\"status\":{\"podIP\":\"127.0.0.1\",\"podIPs\":[{\"ip\":\"127.0.0.1\"}]}}'"));
    if (r.exit_code != 0) throw std::runtime_error("pod IP: " + r.output);
  }
  void apply(const std::string& manifest) {
    const std::string path = "/tmp/schemashift-api-host-" + unique_suffix() + ".yaml";
    std::ofstream(path) << manifest;
    auto r = run_command(kubectl("-n " + ns_ + " apply -f " + path));
    std::remove(path.c_str());
    if (r.exit_code != 0) throw std::runtime_error("kubectl apply: " + r.output + "\n" + manifest);
  }
  json status(const std::string& name) const {
    auto r = run_command(kubectl("-n " + ns_ + " get smig " + name + " -o json 2>/dev/null"));
    auto o = json::parse(r.output, nullptr, false);
    return o.is_object() ? o.value("status", json::object()) : json::object();
  }
  std::string phase(const std::string& name) const { return status(name).value("phase", ""); }
  bool wait_phase(const std::string& name, const std::string& wanted,
                  std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto p = phase(name);
      if (p == wanted) return true;
      if (p == "Failed" || p == "RolledBack" || p == "Completed") return false;
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(200ms);
    }
  }
  std::string ready_message(const std::string& name) const {
    for (const auto& c : status(name).value("conditions", json::array()))
      if (c.value("type", "") == "Ready") return c.value("message", "");
    return "";
  }
  std::string describe(const std::string& name) const {
    std::string log = operator_->output();
    if (log.size() > 5000) log = "..." + log.substr(log.size() - 5000);
    return "\n--- status ---\n" + status(name).dump(2) + "\n--- operator log ---\n" + log;
  }

 private:
  std::string ns_;
  std::unique_ptr<Subprocess> operator_;
};

std::string ack(pqxx::connection& c, const std::string& key, const std::string& instance) {
  return scalar(c, "SELECT coalesce(max(value), '') FROM schemashift.flag_acks WHERE key = '" +
                       key + "' AND instance = '" + instance + "'");
}

double metric(int port, const std::string& selector) {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/metrics");
  if (!r || r->status != 200) return -1;
  return gates::sum(gates::parse_prometheus_text(r->body), *gates::Selector::parse(selector));
}

TEST(ApiLayerOnHost, AV1ClientHoldsTheRetirementUntilSilentForTheWindowThenV1Is410) {
  constexpr int kWindow = 8;
  const std::string name = "retire-customers-v1";
  ScratchDatabase db("api_customers");
  auto customers = start_service("customers-service", "customers-0", db.dsn(), {});
  HostMigration m;
  m.secret("customers-db-host", db.dsn());
  m.deployment_on_host("customers");
  m.apply("apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: " + name +
          "}\nspec:\n  targets:\n  - service: customers\n    deployment: customers\n"
          "    flagKey: customers.v1_lifecycle\n    roles: [reader]\n"
          "    database: {secretRef: {name: customers-db-host, key: dsn}}\n"
          "  api: {service: customers, oldVersion: v1, windowSeconds: " +
          std::to_string(kWindow) + ", metricsPort: " + std::to_string(customers.metrics_port()) +
          "}\n  approve: true\n");

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, other{0}, announced{0};
  std::thread client([&] {
    auto c = customers.client();
    while (!stop) {
      auto r = c.Get("/v1/customers", {{"X-Client-Id", "billing-batch"}});
      (r && r->status == 200 ? ok : other)++;
      if (r && r->has_header("Deprecation") && r->has_header("Sunset") && r->has_header("Link"))
        ++announced;
      std::this_thread::sleep_for(200ms);
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join{stop, client};

  ASSERT_TRUE(m.wait_phase(name, "AwaitingContract", 60s)) << m.describe(name);
  pqxx::connection c(db.dsn());
  EXPECT_EQ(ack(c, "customers.v1_lifecycle", "customers-0"), "read-new");
  ASSERT_TRUE(eventually([&] { return announced > 0; }, 5s));
  const auto awaiting = Clock::now();
  while (Clock::now() - awaiting < std::chrono::seconds(kWindow + 5)) {
    ASSERT_EQ(m.phase(name), "AwaitingContract") << m.describe(name);
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_NE(m.ready_message(name).find("client billing-batch"), std::string::npos)
      << m.describe(name);

  stop = true;
  client.join();
  const auto silent = Clock::now();
  ASSERT_TRUE(m.wait_phase(name, "Completed", std::chrono::seconds(kWindow + 30)))
      << m.describe(name);
  const auto took = Clock::now() - silent;
  EXPECT_GE(took, std::chrono::seconds(kWindow));
  EXPECT_EQ(other.load(), 0) << "every v1 call answered 200 while the client called";
  EXPECT_EQ(http_get(customers.port(), "/v1/customers").status, 410);
  EXPECT_EQ(http_get(customers.port(), "/v2/customers").status, 200);
  EXPECT_EQ(ack(c, "customers.v1_lifecycle", "customers-0"), "new");
  bool counted = false;
  for (const auto& cl : m.status(name)["api"].value("clients", json::array()))
    counted = counted || (cl.value("client", "") == "billing-batch" && cl.value("requests", 0) > 0);
  EXPECT_TRUE(counted) << m.status(name).dump(2);
  std::cout << "[ measured ] " << ok.load() << " v1 calls; Completed "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() / 1000.0
            << " s after the client stopped (window " << kWindow << " s)\n";
}

TEST(ApiLayerOnHost, AnErrorRateBreachOnV2RollsFulfillmentBackToV1OnItsOwn) {
  const std::string name = "fulfillment-reads-customers-v2";
  ScratchDatabase customers_db("api_customers"), orders_db("api_orders"),
      fulfillment_db("api_fulfil");
  const std::string topic = "orders-" + unique_suffix() + ".order-created";
  auto customers = start_service("customers-service", "customers-0", customers_db.dsn(),
                                 {"--fault-v2-customer-ids", "9001"});
  customers_db.admin(
      "INSERT INTO customers (id, first_name, last_name, email, street, city, postal_code, "
      "country) VALUES (9001, 'Katherine', 'Johnson', 'kj@example.org', '1 Langley Blvd', "
      "'Hampton', '23681', 'US'), (9002, 'Dorothy', 'Vaughan', 'dv@example.org', '2 Langley "
      "Blvd', 'Hampton', '23681', 'US')");
  const std::vector<std::string> kafka = {
      "--orders-topic",        topic,
      "--kafka-bootstrap",     stack_var("KAFKA_BOOTSTRAP"),
      "--schema-registry-url", stack_var("SCHEMA_REGISTRY_URL")};
  auto orders = start_service("orders-service", "orders-0", orders_db.dsn(), kafka);
  auto fargs = kafka;
  fargs.insert(fargs.end(),
               {"--customers-url", "http://127.0.0.1:" + std::to_string(customers.port()),
                "--consumer-group", "fulfillment-" + unique_suffix()});
  auto fulfillment =
      start_service("fulfillment-service", "fulfillment-0", fulfillment_db.dsn(), fargs);
  const int fm = fulfillment.metrics_port();
  auto order = [&](int customer) {
    auto r =
        http_post(orders.port(), "/v1/orders", {{"customer_id", customer}, {"amount_cents", 100}});
    return r.status == 201 ? r.body["id"].get<std::int64_t>() : std::int64_t{-1};
  };
  std::atomic<bool> stop{false};
  std::thread healthy([&] {
    while (!stop) {
      (void)order(9002);
      std::this_thread::sleep_for(300ms);
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join{stop, healthy};
  const std::string v1_ok = "fulfillment_customers_calls_total{api_version=\"v1\",outcome=\"ok\"}",
                    v2_ok = "fulfillment_customers_calls_total{api_version=\"v2\",outcome=\"ok\"}",
                    v2_err =
                        "fulfillment_customers_calls_total{api_version=\"v2\",outcome=\"error\"}";
  ASSERT_TRUE(eventually([&] { return metric(fm, v1_ok) > 0; }, 30s)) << fulfillment.output();

  HostMigration m;
  m.secret("fulfillment-db-host", fulfillment_db.dsn());
  m.deployment_on_host("fulfillment");
  m.apply("apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata: {name: " + name +
          "}\nspec:\n  targets:\n  - service: fulfillment\n    deployment: fulfillment\n"
          "    flagKey: fulfillment.customers_api\n    roles: [reader]\n"
          "    database: {secretRef: {name: fulfillment-db-host, key: dsn}}\n"
          "  gates:\n  - name: customers-call-errors\n    provider: metrics\n    action: Abort\n"
          "    url: http://127.0.0.1:" +
          std::to_string(fm) +
          "/metrics\n"
          "    errors: 'fulfillment_customers_calls_total{outcome=\"error\"}'\n"
          "    total: fulfillment_customers_calls_total\n"
          "    max: 0.05\n    intervalSeconds: 1\n    failureLimit: 1\n");
  ASSERT_TRUE(m.wait_phase(name, "AwaitingContract", 60s)) << m.describe(name);
  pqxx::connection f(fulfillment_db.dsn());
  EXPECT_EQ(ack(f, "fulfillment.customers_api", "fulfillment-0"), "read-new");
  const double v2_before = metric(fm, v2_ok);
  ASSERT_TRUE(eventually([&] { return metric(fm, v2_ok) >= v2_before + 5; }, 20s));
  std::this_thread::sleep_for(3s);
  ASSERT_EQ(m.phase(name), "AwaitingContract")
      << "no rollback while v2 is healthy" << m.describe(name);
  EXPECT_EQ(metric(fm, v2_err), 0);

  const auto breached = Clock::now();
  const auto held = order(9001);
  ASSERT_GT(held, 0);
  ASSERT_TRUE(m.wait_phase(name, "RolledBack", 120s)) << m.describe(name);
  const auto took = Clock::now() - breached;
  EXPECT_GT(metric(fm, v2_err), 0);
  EXPECT_NE(m.ready_message(name).find("customers-call-errors"), std::string::npos)
      << m.describe(name);
  EXPECT_EQ(
      scalar(f, "SELECT value FROM schemashift.flags WHERE key = 'fulfillment.customers_api'"),
      "old");
  ASSERT_TRUE(eventually(
      [&] { return ack(f, "fulfillment.customers_api", "fulfillment-0") == "old"; }, 10s));
  const double v1_after_rollback = metric(fm, v1_ok);
  ASSERT_TRUE(eventually(
      [&] {
        return scalar(f, "SELECT count(*) FROM shipments WHERE order_id = " +
                             std::to_string(held)) == "1";
      },
      60s))
      << fulfillment.output();
  EXPECT_NE(
      scalar(f, "SELECT ship_to::text FROM shipments WHERE order_id = " + std::to_string(held))
          .find("Katherine Johnson"),
      std::string::npos);
  EXPECT_TRUE(eventually([&] { return metric(fm, v1_ok) > v1_after_rollback; }, 10s))
      << "fulfillment reads /v1 again";
  EXPECT_GT(metric(customers.metrics_port(),
                   "http_requests_total{api_version=\"v1\",client=\"fulfillment\",status=\"200\"}"),
            0);
  std::cout << "[ measured ] breach to RolledBack "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() / 1000.0
            << " s\n";
}

}  // namespace
}  // namespace schemashift::testing
