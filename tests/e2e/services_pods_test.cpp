// The three service charts as a cluster runs them: `helm install` on the real node, in a
// namespace that enforces the restricted Pod Security Standard, with no admission warning;
// every Deployment Available, every pod Ready and really serving (/healthz, /readyz and
// /metrics answered by each pod's own IP, the API through its Service), and `helm test`
// passing for each release.
#include <gtest/gtest.h>
#include <httplib.h>

#include "e2e/services_shop.h"
#include "support/stack_env.h"

namespace {

using schemashift::testing::kShopServices;
using schemashift::testing::Shop;
using schemashift::testing::stack_var;

httplib::Result get(const std::string& host, int port, const std::string& path) {
  httplib::Client http(host, port);
  http.set_connection_timeout(5);
  http.set_read_timeout(10);
  return http.Get(path.c_str());
}

TEST(ServicesOnTheNode, ThreeChartsRunAvailableServingAndPassHelmTest) {
  Shop shop;
  for (const auto& s : kShopServices) {
    auto r = shop.install(s, "--set replicaCount=2");
    ASSERT_EQ(r.exit_code, 0) << r.output << shop.describe(s);
    EXPECT_EQ(r.output.find("Warning"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("is installed in namespace " + shop.ns()), std::string::npos)
        << "NOTES:\n"
        << r.output;
  }
  for (const auto& s : kShopServices) {
    SCOPED_TRACE(s);
    auto available = shop.kubectl("get deployment " + s +
                                  " -o jsonpath='{.status.conditions[?(@.type==\"Available\")]"
                                  ".status} {.status.readyReplicas}'");
    EXPECT_EQ(available.output, "True 2") << shop.describe(s);
    auto pods = shop.pods(s);
    ASSERT_EQ(pods.size(), 2u) << pods.dump(2);
    for (const auto& pod : pods) {
      const std::string name = pod["metadata"]["name"];
      EXPECT_EQ(pod["spec"].value("nodeName", ""), stack_var("NODE_NAME")) << name;
      const auto& cs = pod["status"]["containerStatuses"][0];
      EXPECT_TRUE(cs["state"].contains("running")) << cs.dump(2);
      EXPECT_EQ(cs.value("restartCount", -1), 0) << name << shop.describe(s);
      const std::string ip = pod["status"].value("podIP", "");
      for (const std::string path : {"/healthz", "/readyz"}) {
        auto r = get(ip, 8080, path);
        ASSERT_TRUE(r) << name << " " << path << ": " << httplib::to_string(r.error());
        EXPECT_EQ(r->status, 200) << name << " " << path << ": " << r->body;
      }
      auto metrics = get(ip, 9090, "/metrics");
      ASSERT_TRUE(metrics) << name << " /metrics: " << httplib::to_string(metrics.error());
      EXPECT_EQ(metrics->status, 200);
      EXPECT_NE(metrics->body.find("http_requests_total"), std::string::npos) << metrics->body;
    }
    // Through the Service from the host: the ClusterIP answers.
    httplib::Client svc(shop.url(s));
    svc.set_connection_timeout(5);
    auto ready = svc.Get("/readyz");
    ASSERT_TRUE(ready) << shop.url(s) << ": " << httplib::to_string(ready.error());
    EXPECT_EQ(ready->status, 200) << ready->body;

    auto tested = shop.helm("test " + s + " -n " + shop.ns() + " --timeout 90s");
    EXPECT_EQ(tested.exit_code, 0) << tested.output << shop.describe(s);
    EXPECT_NE(tested.output.find("Succeeded"), std::string::npos) << tested.output;
  }
}

}  // namespace
