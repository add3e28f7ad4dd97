// The flag protocol across the pods of a 2-replica orders Deployment: a mode that needs a
// column which does not exist yet is acknowledged by no pod; once the column is there, every
// pod acknowledges the change (one row in schemashift.flag_acks per pod name, from the
// downward API's POD_NAME) and every pod acts on it (each pod, asked by its own IP, returns
// the metadata a v2 order was created with once the flag says read-new).
#include <set>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/services_shop.h"
#include "flags/flag_store.h"
#include "support/helpers.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using schemashift::testing::eventually;
using schemashift::testing::Shop;
namespace flags = schemashift::flags;

// The pods (instance names) that acknowledged `key` at `generation` or later with `value`.
std::set<std::string> acknowledging(pqxx::connection& c, const std::string& key,
                                    std::int64_t generation, const std::string& value) {
  pqxx::nontransaction nt(c);
  std::set<std::string> out;
  for (const auto& row : nt.exec_params(
           "SELECT instance FROM schemashift.flag_acks WHERE service = 'orders' AND key = $1 "
           "AND generation >= $2 AND value = $3",
           key, generation, value))
    out.insert(row[0].as<std::string>());
  return out;
}

TEST(ServicesOnTheNode, AFlagChangeIsAcknowledgedByEveryPodOfATwoReplicaDeployment) {
  Shop shop;
  auto installed = shop.install("orders", "--set replicaCount=2");
  ASSERT_EQ(installed.exit_code, 0) << installed.output << shop.describe("orders");
  const auto pods = shop.ready_pods("orders");
  ASSERT_EQ(pods.size(), 2u) << shop.describe("orders");
  const std::set<std::string> pod_names(pods.begin(), pods.end());
  pqxx::connection c(shop.db("orders").dsn());
  flags::ensure_flag_schema(c, false);

  // Before the expand: refused by every pod, so never acknowledged.
  auto gen = flags::set_flag(c, "orders.metadata", "dual-write");
  EXPECT_FALSE(eventually(
      [&] { return !acknowledging(c, "orders.metadata", gen, "dual-write").empty(); }, 4s))
      << "a pod acknowledged a mode whose column does not exist";

  {
    pqxx::work tx(c);
    tx.exec0("ALTER TABLE orders ADD COLUMN metadata jsonb");
    tx.commit();
  }
  gen = flags::set_flag(c, "orders.metadata", "dual-write");
  ASSERT_TRUE(eventually(
      [&] { return flags::barrier(c, "orders.metadata", gen, "dual-write", {"orders"}, 2).held; },
      20s))
      << flags::barrier(c, "orders.metadata", gen, "dual-write", {"orders"}, 2).describe()
      << shop.describe("orders");
  EXPECT_EQ(acknowledging(c, "orders.metadata", gen, "dual-write"), pod_names);

  // Written in dual-write, shown in read-new: by each pod.
  auto created = shop.post("orders", "/v2/orders",
                           {{"customer_id", 7},
                            {"total_cents", 2500},
                            {"currency", "EUR"},
                            {"metadata", {{"gift", true}}}});
  ASSERT_EQ(created.status, 201) << created.text;
  const std::string path = "/v2/orders/" + std::to_string(created.body["id"].get<std::int64_t>());
  gen = flags::set_flag(c, "orders.metadata", "read-new");
  ASSERT_TRUE(eventually(
      [&] { return flags::barrier(c, "orders.metadata", gen, "read-new", {"orders"}, 2).held; },
      20s))
      << shop.describe("orders");
  EXPECT_EQ(acknowledging(c, "orders.metadata", gen, "read-new"), pod_names);
  const auto urls = shop.pod_urls("orders");
  ASSERT_EQ(urls.size(), 2u);
  for (const auto& [pod, url] : urls) {
    auto r = Shop::get_at(url, path);
    ASSERT_EQ(r.status, 200) << pod << ": " << r.text;
    EXPECT_EQ(r.body["metadata"], json({{"gift", true}})) << pod << ": " << r.text;
  }
}

}  // namespace
