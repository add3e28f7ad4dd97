// What a broken or hostile server sends must become an error with context, never a crash:
// a TLS server with the stack's certificates answers watches with invalid JSON, a stream
// cut mid-event, a line larger than any object, and plain requests with non-JSON bodies.
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "kube/client.h"
#include "kube/cluster_config.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift::kube;
using schemashift::testing::stack_var;

class MalformedServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string ca = stack_var("KUBE_CA_FILE");
    const std::string pki = ca.substr(0, ca.rfind('/'));
    server_ = std::make_unique<httplib::SSLServer>((pki + "/apiserver.crt").c_str(),
                                                   (pki + "/apiserver.key").c_str());
    ASSERT_TRUE(server_->is_valid());
    server_->set_keep_alive_timeout(1);  // teardown waits out idle keep-alive connections
    server_->Get("/api/v1/namespaces", [](const httplib::Request& req, httplib::Response& res) {
      const std::string mode = req.get_param_value("labelSelector");
      const std::string good =
          R"({"type":"ADDED","object":{"kind":"Namespace","metadata":{"name":"ok","resourceVersion":"5"}}})"
          "\n";
      if (mode == "mode=invalid-json") {
        res.set_content(good + "{\"type\":\"ADDED\",\"object\":{oops\n", "application/json");
      } else if (mode == "mode=truncated") {
        res.set_content(good + good.substr(0, 30), "application/json");
      } else if (mode == "mode=huge") {
        res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
          std::string block(1 << 20, 'x');
          for (int i = 0; i < 20; ++i) {
            if (!sink.write(block.data(), block.size())) return false;
          }
          sink.done();
          return true;
        });
      } else if (mode == "mode=gone") {
        const std::string gone =
            R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure",)json"
            R"json("message":"too old resource version: 1 (5)","reason":"Expired","code":410}})json";
        res.set_content(good + gone + "\n", "application/json");
      } else {
        res.set_content("<html>not json</html>", "text/html");
      }
    });
    server_->Get("/api/v1/namespaces/boom", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content("upstream exploded", "text/plain");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    auto cfg = load_kubeconfig(stack_var("KUBECONFIG"));
    ASSERT_TRUE(cfg);
    cfg->server = "https://127.0.0.1:" + std::to_string(port_);
    client_ = std::make_unique<Client>(*HttpsTransport::create(*cfg));
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  Result<WatchEnd> watch(const std::string& mode, int* events) {
    return client_->watch(resources::kNamespace, "", {.label_selector = "mode=" + mode},
                          [events](WatchEvent&&) {
                            ++*events;
                            return true;
                          });
  }

  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<Client> client_;
};

TEST_F(MalformedServerTest, InvalidJsonInAWatchIsADecodeErrorAfterTheGoodEvents) {
  int events = 0;
  auto r = watch("invalid-json", &events);
  ASSERT_FALSE(r);
  EXPECT_EQ(events, 1);
  EXPECT_EQ(r.error().reason, "DecodeError");
  EXPECT_NE(r.error().message.find("watch event 2 is not valid JSON"), std::string::npos)
      << r.error().describe();
}

TEST_F(MalformedServerTest, AStreamCutMidEventIsReportedAsTruncated) {
  int events = 0;
  auto r = watch("truncated", &events);
  ASSERT_FALSE(r);
  EXPECT_EQ(events, 1);
  EXPECT_NE(r.error().message.find("ended in the middle of event 2"), std::string::npos)
      << r.error().describe();
}

TEST_F(MalformedServerTest, AHugeLineIsRefusedNotBufferedForever) {
  int events = 0;
  auto r = watch("huge", &events);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exceeds"), std::string::npos) << r.error().describe();
}

TEST_F(MalformedServerTest, AnInStreamErrorEventBecomesItsStatus) {
  int events = 0;
  auto r = watch("gone", &events);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().gone()) << r.error().describe();
  EXPECT_NE(r.error().message.find("too old resource version"), std::string::npos);
}

TEST_F(MalformedServerTest, NonJsonBodiesAndErrorPagesAreErrorsWithContext) {
  auto list = client_->list(resources::kNamespace, "");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().reason, "DecodeError");
  EXPECT_NE(list.error().message.find("<html>not json</html>"), std::string::npos)
      << list.error().describe();
  auto boom = client_->get(resources::kNamespace, "", "boom");
  ASSERT_FALSE(boom);
  EXPECT_EQ(boom.error().code, 500);
  EXPECT_TRUE(boom.error().transient());
  EXPECT_NE(boom.error().describe().find("upstream exploded"), std::string::npos)
      << boom.error().describe();
}

}  // namespace
