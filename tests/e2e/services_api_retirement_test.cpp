// Scenario 7's shape on the real services: customers' /v1 is retired by one SchemaMigration
// with no SQL and no spec.database (target customers, flag customers.v1_lifecycle, role reader;
// spec.api {service: customers, oldVersion: v1, windowSeconds}). A v1 client (X-Client-Id
// billing-batch) keeps calling through the Service: the migration announces the retirement
// (Deprecation, Sunset, Link on every v1 answer once readers switched) and stays in
// AwaitingContract for longer than the window, its Ready condition naming the client. Once the
// client stops, the window passes, contract runs and v1 answers 410 Gone on every pod.
// The verdicts come from outside the operator: the client's own ledger of answers, the pods'
// answers by IP, the flag acknowledgements in the customers database.
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>

#include "e2e/services_shop.h"
#include "e2e/shop_migration.h"
#include "support/helpers.h"

namespace {

using namespace std::chrono_literals;
using schemashift::testing::scalar;
using schemashift::testing::Shop;
using schemashift::testing::ShopOperator;
using Clock = std::chrono::steady_clock;

constexpr int kWindowSeconds = 15;
const std::string kName = "retire-customers-v1";

std::string retirement_manifest(const std::string& ns) {
  return "apiVersion: schemashift.io/v1alpha1\nkind: SchemaMigration\nmetadata:\n  name: " + kName +
         "\n  namespace: " + ns +
         "\nspec:\n  targets:\n"
         "  - service: customers\n    deployment: customers\n    flagKey: customers.v1_lifecycle\n"
         "    roles: [reader]\n    database: {secretRef: {name: " +
         ShopOperator::secret("customers") +
         ", key: dsn}}\n"
         "  api: {service: customers, oldVersion: v1, windowSeconds: " +
         std::to_string(kWindowSeconds) +
         "}\n"
         // Approved up front (no contract section: it would need a database for its SQL): the
         // contract still waits for the evidence.
         "  approve: true\n";
}

// A v1 client calling GET /v1/customers/{id} through the Service every 200 ms until stopped,
// keeping its own ledger of the answers.
class V1Client {
 public:
  V1Client(std::string base, std::string path) : base_(std::move(base)), path_(std::move(path)) {
    thread_ = std::thread([this] { run(); });
  }
  ~V1Client() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int answered(int status) const {
    std::lock_guard lock(mu_);
    auto it = statuses_.find(status);
    return it == statuses_.end() ? 0 : it->second;
  }
  int total() const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [s, c] : statuses_) n += c;
    return n;
  }
  int deprecated() const { return deprecated_; }

 private:
  void run() {
    httplib::Client c(base_);
    c.set_connection_timeout(3s);
    c.set_read_timeout(5s);
    while (!stop_) {
      auto r = c.Get(path_, {{"X-Client-Id", "billing-batch"}});
      {
        std::lock_guard lock(mu_);
        ++statuses_[r ? r->status : 0];
      }
      if (r && r->has_header("Deprecation") && r->has_header("Sunset") &&
          r->get_header_value("Link").find("successor-version") != std::string::npos)
        ++deprecated_;
      std::this_thread::sleep_for(200ms);
    }
  }
  std::string base_, path_;
  std::atomic<bool> stop_{false};
  std::atomic<int> deprecated_{0};
  mutable std::mutex mu_;
  std::map<int, int> statuses_;
  std::thread thread_;
};

std::string ready_message(const ShopOperator& op) {
  return op.condition(kName, "Ready").value("message", "");
}

TEST(ServicesMigration, AV1ClientHoldsTheRetirementUntilSilentForTheWindowThenV1Is410) {
  const auto started = Clock::now();
  Shop shop;
  auto installed = shop.install("customers", "--set replicaCount=2");
  ASSERT_EQ(installed.exit_code, 0) << installed.output << shop.describe("customers");
  // Through the Service, once kube-proxy has its endpoints (a fresh install may not yet).
  schemashift::testing::HttpReply created;
  ASSERT_TRUE(schemashift::testing::eventually(
      [&] {
        created = shop.post("customers", "/v1/customers",
                            {{"first_name", "Ada"},
                             {"last_name", "Lovelace"},
                             {"email", "ada@example.org"},
                             {"country", "GB"}});
        return created.status == 201;
      },
      30s))
      << created.status << " " << created.text << shop.describe("customers");
  const std::string id = std::to_string(created.body["id"].get<std::int64_t>());
  pqxx::connection db(shop.db("customers").dsn());
  ShopOperator op(shop);

  V1Client client(shop.url("customers"), "/v1/customers/" + id);
  std::this_thread::sleep_for(2s);
  ASSERT_GT(client.answered(200), 0);
  EXPECT_EQ(client.deprecated(), 0) << "no deprecation announced before the migration";
  op.apply(retirement_manifest(shop.ns()));
  ASSERT_TRUE(op.wait_phase(kName, "AwaitingContract", 120s))
      << op.describe(kName) << shop.describe("customers");
  const auto awaiting_since = Clock::now();

  // Every pod acknowledged read-new: v1 announces its retirement, from each pod.
  for (const auto& pod : shop.ready_pods("customers"))
    EXPECT_EQ(scalar(db,
                     "SELECT value FROM schemashift.flag_acks WHERE key = "
                     "'customers.v1_lifecycle' AND instance = '" +
                         pod + "'"),
              "read-new")
        << pod;
  for (const auto& [pod, url] : shop.pod_urls("customers")) {
    httplib::Client c(url);
    auto r = c.Get("/v1/customers/" + id, {{"X-Client-Id", "billing-batch"}});
    ASSERT_TRUE(r) << pod;
    EXPECT_EQ(r->status, 200) << pod;
    EXPECT_TRUE(r->has_header("Deprecation")) << pod;
    EXPECT_EQ(r->get_header_value("Sunset"), "Wed, 01 Jul 2026 00:00:00 GMT") << pod;
    EXPECT_EQ(r->get_header_value("Link"), "</v2/customers>; rel=\"successor-version\"") << pod;
  }
  ASSERT_TRUE(schemashift::testing::eventually([&] { return client.deprecated() > 0; }, 10s));

  // The client keeps calling: held for longer than the window, the condition naming it.
  while (Clock::now() - awaiting_since < std::chrono::seconds(kWindowSeconds + 10)) {
    ASSERT_EQ(op.phase(kName), "AwaitingContract") << op.describe(kName);
    std::this_thread::sleep_for(1s);
  }
  const std::string held = ready_message(op);
  EXPECT_NE(held.find("billing-batch"), std::string::npos) << held << op.describe(kName);
  const auto status = op.get(kName)["status"];
  ASSERT_TRUE(status.contains("api")) << status.dump(2);
  bool counted = false;
  for (const auto& c : status["api"].value("clients", nlohmann::json::array()))
    counted = counted || (c.value("client", "") == "billing-batch" && c.value("requests", 0) > 0);
  EXPECT_TRUE(counted) << status["api"].dump(2);

  // The client stops; contract only after the window of silence.
  client.stop();
  const auto silent_since = Clock::now();
  ASSERT_TRUE(op.wait_phase(kName, "Completed", std::chrono::seconds(kWindowSeconds + 90)))
      << op.describe(kName) << shop.describe("customers");
  const auto silent_for = Clock::now() - silent_since;
  EXPECT_GE(silent_for, std::chrono::seconds(kWindowSeconds)) << "contract before the window";

  // What the client saw while it called: v1 answered, never 410 and never an error.
  EXPECT_GT(client.answered(200), 50);
  EXPECT_EQ(client.answered(200), client.total()) << "410s: " << client.answered(410);

  // Now v1 is gone on every pod, v2 serves the same customer, every pod acknowledged new.
  for (const auto& [pod, url] : shop.pod_urls("customers")) {
    auto v1 = Shop::get_at(url, "/v1/customers/" + id);
    EXPECT_EQ(v1.status, 410) << pod << ": " << v1.text;
    EXPECT_NE(v1.text.find("/v2/customers"), std::string::npos) << v1.text;
    auto v2 = Shop::get_at(url, "/v2/customers/" + id);
    EXPECT_EQ(v2.status, 200) << pod << ": " << v2.text;
    EXPECT_EQ(scalar(db,
                     "SELECT value FROM schemashift.flag_acks WHERE key = "
                     "'customers.v1_lifecycle' AND instance = '" +
                         pod + "'"),
              "new")
        << pod;
  }
  std::cout << "[ measured ] " << client.total() << " v1 calls by billing-batch; contract "
            << std::chrono::duration_cast<std::chrono::milliseconds>(silent_for).count() / 1000.0
            << " s after the client stopped (window " << kWindowSeconds << " s); "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()
            << " s in all\n";
}

}  // namespace
