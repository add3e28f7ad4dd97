// Scenario 6's shape on the real services: fulfillment, a consumer of customers' API, is
// switched from /v1 to /v2 by its flag fulfillment.customers_api (target fulfillment, role
// reader, in fulfillment's own database), gated by an Abort gate on its error rate read from
// its pod's /metrics (fulfillment_customers_calls_total). Orders flow through orders, Kafka
// and fulfillment meanwhile. A real breach is injected: customers runs with the test-only
// fault FAULT_V2_CUSTOMER_IDS, so /v2 of one customer answers 500, and an order for that
// customer makes every v2 lookup fail. The operator rolls fulfillment back to /v1 on its own.
// Evidence from outside the operator: the flag and the pod's acknowledgement of old in
// fulfillment's database, fulfillment's and customers' own counters (v1 calls by fulfillment
// again), and the held order shipped with the address /v1 gave.
#include <atomic>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/services_shop.h"
#include "e2e/shop_migration.h"
#include "gates/prom_text.h"
#include "support/helpers.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::eventually;
using schemashift::testing::scalar;
using schemashift::testing::Shop;
using schemashift::testing::ShopOperator;
using Clock = std::chrono::steady_clock;
namespace gates = schemashift::gates;

const std::string kName = "fulfillment-reads-customers-v2";
constexpr std::int64_t kFaulty = 9001, kHealthy = 9002;

std::string switch_manifest(const std::string& ns, const std::string& metrics_url) {
  return "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n  name: " + kName +
         "\n  namespace: " + ns +
         "\nspec:\n  targets:\n"
         "  - service: fulfillment\n    deployment: fulfillment\n"
         "    flagKey: fulfillment.customers_api\n    roles: [reader]\n"
         "    database: {secretRef: {name: " +
         ShopOperator::secret("fulfillment") +
         ", key: dsn}}\n"
         "  gates:\n"
         "  - name: customers-call-errors\n    provider: metrics\n    action: Abort\n"
         "    url: " +
         metrics_url +
         "\n"
         "    errors: 'fulfillment_customers_calls_total{outcome=\"error\"}'\n"
         "    total: fulfillment_customers_calls_total\n"
         // No approval (Manual by default): it waits in AwaitingContract with fulfillment on /v2.
         "    max: 0.05\n    intervalSeconds: 1\n    failureLimit: 1\n";
}

// The sum of the samples matching `selector` on the metrics page at `url` (-1: no page).
double metric(const std::string& url, const std::string& selector) {
  auto base = url.substr(0, url.find('/', url.find("://") + 3));
  auto r = Shop::get_at(base, "/metrics");
  if (r.status != 200) return -1;
  return gates::sum(gates::parse_prometheus_text(r.text), *gates::Selector::parse(selector));
}

double on_pods(const Shop& shop, const std::string& service, const std::string& selector) {
  double total = 0;
  for (const auto& [pod, url] : shop.pod_urls(service)) {
    const auto metrics = url.substr(0, url.rfind(':')) + ":9090";
    total += metric(metrics, selector);
  }
  return total;
}

std::int64_t order(const Shop& shop, std::int64_t customer) {
  auto r = shop.post("orders", "/v1/orders", {{"customer_id", customer}, {"amount_cents", 1234}});
  if (r.status != 201) throw std::runtime_error("order: " + r.text);
  return r.body["id"].get<std::int64_t>();
}

TEST(ServicesMigration, AnErrorRateBreachOnV2RollsFulfillmentBackToV1OnItsOwn) {
  const auto started = Clock::now();
  Shop shop;
  shop.install_all({{"customers",
                     "--set replicaCount=2 --set extraEnv[0].name=FAULT_V2_CUSTOMER_IDS "
                     "--set-string extraEnv[0].value=" +
                         std::to_string(kFaulty)},
                    {"orders", "--set replicaCount=1"},
                    {"fulfillment", "--set replicaCount=1"}});
  shop.db("customers")
      .admin(
          "INSERT INTO customers (id, first_name, last_name, email, street, city, postal_code, "
          "country) VALUES (" +
          std::to_string(kFaulty) +
          ", 'Katherine', 'Johnson', 'kj@example.org', '1 Langley Blvd', 'Hampton', '23681', "
          "'US'), (" +
          std::to_string(kHealthy) +
          ", 'Dorothy', 'Vaughan', 'dv@example.org', '2 Langley Blvd', 'Hampton', '23681', 'US')");
  const auto customers_pods = shop.pod_urls("customers");
  ASSERT_EQ(customers_pods.size(), 2u) << shop.describe("customers");
  for (const auto& [pod, url] : customers_pods) {
    EXPECT_EQ(Shop::get_at(url, "/v2/customers/" + std::to_string(kFaulty)).status, 500) << pod;
    EXPECT_EQ(Shop::get_at(url, "/v1/customers/" + std::to_string(kFaulty)).status, 200) << pod;
  }
  const auto fulfillment_pods = shop.pod_urls("fulfillment");
  ASSERT_EQ(fulfillment_pods.size(), 1u) << shop.describe("fulfillment");
  const std::string pod_url = fulfillment_pods.begin()->second;
  const std::string metrics_url = pod_url.substr(0, pod_url.rfind(':')) + ":9090/metrics";
  pqxx::connection fdb(shop.db("fulfillment").dsn());
  const std::string fulfillment_pod = fulfillment_pods.begin()->first;

  ShopOperator op(shop);
  // Healthy orders keep flowing, before, during and after the switch.
  std::atomic<bool> stop{false};
  std::atomic<int> placed{0};
  std::thread orders([&] {
    while (!stop) {
      try {
        (void)order(shop, kHealthy);
        ++placed;
      } catch (const std::exception&) {
      }
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
  } join{stop, orders};

  ASSERT_TRUE(eventually(
      [&] {
        return metric(metrics_url,
                      "fulfillment_customers_calls_total{api_version=\"v1\",outcome=\"ok\"}") > 0;
      },
      60s))
      << "fulfillment never read customers /v1" << shop.describe("fulfillment");
  op.apply(switch_manifest(shop.ns(), metrics_url));
  ASSERT_TRUE(op.wait_phase(kName, "AwaitingContract", 120s))
      << op.describe(kName) << shop.describe("fulfillment");
  EXPECT_EQ(scalar(fdb,
                   "SELECT value FROM schemashift.flag_acks WHERE key = "
                   "'fulfillment.customers_api' AND instance = '" +
                       fulfillment_pod + "'"),
            "read-new");
  // On /v2 and healthy: fulfillment's calls succeed on v2, customers counts them; not rolled
  // back while nothing fails.
  const double v2_ok =
      metric(metrics_url, "fulfillment_customers_calls_total{api_version=\"v2\",outcome=\"ok\"}");
  ASSERT_TRUE(eventually(
      [&] {
        return metric(metrics_url,
                      "fulfillment_customers_calls_total{api_version=\"v2\",outcome=\"ok\"}") >=
               v2_ok + 5;
      },
      30s))
      << shop.describe("fulfillment");
  EXPECT_GT(
      on_pods(shop, "customers", "http_requests_total{api_version=\"v2\",client=\"fulfillment\"}"),
      0);
  std::this_thread::sleep_for(5s);
  ASSERT_EQ(op.phase(kName), "AwaitingContract") << op.describe(kName);
  const double v1_ok_before =
      metric(metrics_url, "fulfillment_customers_calls_total{api_version=\"v1\",outcome=\"ok\"}");

  // The breach: an order whose customer /v2 cannot be read.
  const auto breached_at = Clock::now();
  const auto held = order(shop, kFaulty);
  ASSERT_TRUE(op.wait_phase(kName, "RolledBack", 90s)) << op.describe(kName);
  const auto rollback_took = Clock::now() - breached_at;
  ASSERT_TRUE(eventually(
      [&] {
        return metric(metrics_url,
                      "fulfillment_customers_calls_total{api_version=\"v2\",outcome=\"error\"}") >
               0;
      },
      1s))
      << "rolled back without a v2 error";

  // Back on /v1, by evidence outside the operator.
  EXPECT_EQ(
      scalar(fdb, "SELECT value FROM schemashift.flags WHERE key = 'fulfillment.customers_api'"),
      "old");
  ASSERT_TRUE(eventually(
      [&] {
        return scalar(fdb,
                      "SELECT coalesce(max(value), '') FROM schemashift.flag_acks WHERE key = "
                      "'fulfillment.customers_api' AND instance = '" +
                          fulfillment_pod + "'") == "old";
      },
      20s));
  ASSERT_TRUE(eventually(
      [&] {
        return scalar(fdb, "SELECT count(*) FROM shipments WHERE order_id = " +
                               std::to_string(held)) == "1";
      },
      60s))
      << "the held order never shipped" << shop.describe("fulfillment");
  const auto ship_to =
      scalar(fdb, "SELECT ship_to::text FROM shipments WHERE order_id = " + std::to_string(held));
  EXPECT_NE(ship_to.find("Katherine Johnson"), std::string::npos) << ship_to;
  EXPECT_GT(
      metric(metrics_url, "fulfillment_customers_calls_total{api_version=\"v1\",outcome=\"ok\"}"),
      v1_ok_before);
  EXPECT_GT(on_pods(shop, "customers",
                    "http_requests_total{api_version=\"v1\",client=\"fulfillment\",route=\"/v1/"
                    "customers/:id\",status=\"200\"}"),
            0);
  // The status names the gate that rolled it back.
  const auto status = op.get(kName)["status"];
  EXPECT_NE(status.dump().find("customers-call-errors"), std::string::npos) << status.dump(2);
  // Healthy orders after the rollback still ship.
  const auto after = order(shop, kHealthy);
  EXPECT_TRUE(eventually(
      [&] {
        return scalar(fdb, "SELECT count(*) FROM shipments WHERE order_id = " +
                               std::to_string(after)) == "1";
      },
      30s));
  std::cout << "[ measured ] breach to RolledBack "
            << std::chrono::duration_cast<std::chrono::milliseconds>(rollback_took).count() / 1000.0
            << " s; " << placed.load() << " healthy orders; "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()
            << " s in all\n";
}

}  // namespace
