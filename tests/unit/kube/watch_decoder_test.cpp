#include "kube/watch_decoder.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using schemashift::kube::WatchDecoder;
using schemashift::kube::WatchEvent;

std::string event(const std::string& type, const std::string& name, int rv) {
  return R"({"type":")" + type + R"(","object":{"kind":"Namespace","metadata":{"name":")" + name +
         R"(","resourceVersion":")" + std::to_string(rv) + R"("}}})" + "\n";
}

struct Collector {
  std::vector<std::string> seen;
  WatchDecoder::Handler handler() {
    return [this](WatchEvent&& ev) {
      seen.push_back(ev.type + ":" + ev.object["metadata"]["name"].get<std::string>());
      return true;
    };
  }
};

TEST(WatchDecoder, DecodesEventsSplitAtEveryPossibleByte) {
  const std::string stream =
      event("ADDED", "a", 1) + event("MODIFIED", "a", 2) + event("DELETED", "a", 3);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    WatchDecoder d;
    Collector c;
    ASSERT_TRUE(d.feed(std::string_view(stream).substr(0, cut), c.handler())) << cut;
    ASSERT_TRUE(d.feed(std::string_view(stream).substr(cut), c.handler())) << cut;
    ASSERT_TRUE(d.finish());
    ASSERT_EQ(c.seen, (std::vector<std::string>{"ADDED:a", "MODIFIED:a", "DELETED:a"}))
        << "cut at " << cut;
  }
}

TEST(WatchDecoder, DecodesByteByByte) {
  const std::string stream = event("ADDED", "x", 7) + event("BOOKMARK", "x", 8);
  WatchDecoder d;
  Collector c;
  for (char ch : stream) ASSERT_TRUE(d.feed(std::string_view(&ch, 1), c.handler()));
  EXPECT_TRUE(d.finish());
  EXPECT_EQ(c.seen.size(), 2u);
  EXPECT_EQ(d.events(), 2u);
}

TEST(WatchDecoder, InvalidJsonIsAnErrorNamingTheEvent) {
  WatchDecoder d;
  Collector c;
  EXPECT_FALSE(d.feed(event("ADDED", "a", 1) + "{not json\n", c.handler()));
  EXPECT_EQ(c.seen.size(), 1u);
  EXPECT_EQ(d.error().reason, "DecodeError");
  EXPECT_NE(d.error().message.find("watch event 2 is not valid JSON"), std::string::npos)
      << d.error().message;
  EXPECT_FALSE(d.feed(event("ADDED", "b", 2), c.handler())) << "a failed decoder stays failed";
}

TEST(WatchDecoder, AnEventWithoutTypeOrObjectIsAnError) {
  WatchDecoder d;
  Collector c;
  EXPECT_FALSE(d.feed("{\"type\":\"ADDED\"}\n", c.handler()));
  EXPECT_NE(d.error().message.find("lacks"), std::string::npos);
  WatchDecoder d2;
  EXPECT_FALSE(d2.feed("[1,2,3]\n", c.handler()));
}

TEST(WatchDecoder, AHugeLineIsRefusedWithoutBufferingForever) {
  WatchDecoder d(/*max_line=*/1024);
  Collector c;
  std::string big(600, 'x');
  EXPECT_TRUE(d.feed(big, c.handler()));
  EXPECT_FALSE(d.feed(big, c.handler()));
  EXPECT_NE(d.error().message.find("exceeds 1024 bytes"), std::string::npos) << d.error().message;
}

TEST(WatchDecoder, AStreamEndingMidEventIsTruncated) {
  WatchDecoder d;
  Collector c;
  std::string e = event("ADDED", "a", 1);
  ASSERT_TRUE(d.feed(e + e.substr(0, 20), c.handler()));
  EXPECT_FALSE(d.finish());
  EXPECT_NE(d.error().message.find("ended in the middle of event 2"), std::string::npos)
      << d.error().message;
}

TEST(WatchDecoder, TheHandlerCanStopDecoding) {
  WatchDecoder d;
  int n = 0;
  EXPECT_FALSE(d.feed(event("ADDED", "a", 1) + event("ADDED", "b", 2),
                      [&](WatchEvent&&) { return ++n < 1; }));
  EXPECT_TRUE(d.stopped());
  EXPECT_EQ(n, 1);
}

TEST(WatchDecoder, BlankLinesAndCarriageReturnsAreTolerated) {
  WatchDecoder d;
  Collector c;
  std::string e = event("ADDED", "a", 1);
  e.insert(e.size() - 1, "\r");
  EXPECT_TRUE(d.feed("\n" + e + "\n", c.handler()));
  EXPECT_TRUE(d.finish());
  EXPECT_EQ(c.seen.size(), 1u);
}

}  // namespace
