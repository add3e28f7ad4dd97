#include "gates/prom_text.h"

#include <cmath>

#include <gtest/gtest.h>

namespace {

using namespace schemashift::gates;

const char* kBefore = R"(# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200",route="/v1/orders"} 1000
http_requests_total{code="500",route="/v1/orders"} 10
http_requests_total{code="503",route="/v2/orders"} 0
req_seconds_bucket{route="/v1/orders",le="0.01"} 800
req_seconds_bucket{route="/v1/orders",le="0.1"} 990
req_seconds_bucket{route="/v1/orders",le="1"} 1010
req_seconds_bucket{route="/v1/orders",le="+Inf"} 1010
)";
const char* kAfter = R"(http_requests_total{code="200",route="/v1/orders"} 1900
http_requests_total{code="500",route="/v1/orders"} 60
http_requests_total{code="503",route="/v2/orders"} 50
req_seconds_bucket{route="/v1/orders",le="0.01"} 800
req_seconds_bucket{route="/v1/orders",le="0.1"} 1890
req_seconds_bucket{route="/v1/orders",le="1"} 2010
req_seconds_bucket{route="/v1/orders",le="+Inf"} 2010
)";

TEST(PromText, ParsesNamesLabelsAndValues) {
  auto s = parse_prometheus_text(
      "# c\nup 1\nx{a=\"q\\\"uote\",b=\"2\"} 3.5 1700000000\nbroken{a= 1\ny +Inf\n");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "up");
  EXPECT_EQ(s[1].labels.at("a"), "q\"uote");
  EXPECT_EQ(s[1].value, 3.5);
  EXPECT_TRUE(std::isinf(s[2].value));
}

TEST(PromText, SelectorsMatchExactAndRegexLabels) {
  auto sel = Selector::parse(R"(http_requests_total{code=~"5..",route="/v1/orders"})");
  ASSERT_TRUE(sel);
  EXPECT_EQ(sum(parse_prometheus_text(kAfter), *sel), 60);
  EXPECT_FALSE(Selector::parse("x{code=5}"));
  EXPECT_FALSE(Selector::parse("{a=\"b\"}"));
}

TEST(PromText, AnErrorRatioIsTheRatioOfIncreasesBetweenScrapes) {
  auto before = parse_prometheus_text(kBefore), after = parse_prometheus_text(kAfter);
  auto errors = *Selector::parse(R"(http_requests_total{code=~"5.."})");
  auto all = *Selector::parse("http_requests_total");
  auto r = ratio_between(before, after, errors, all);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(*r, 100.0 / 1000.0) << "(50 + 50) errors of 1000 new requests";
  EXPECT_FALSE(ratio_between(after, after, errors, all)) << "no new requests: no data";
}

TEST(PromText, QuantilesInterpolateInsideTheBucketLikeHistogramQuantile) {
  auto before = parse_prometheus_text(kBefore), after = parse_prometheus_text(kAfter);
  auto h = *Selector::parse(R"(req_seconds{route="/v1/orders"})");
  // 1000 new observations: 0 <= 0.01, 900 in (0.01, 0.1], 100 in (0.1, 1].
  auto p50 = quantile_between(before, after, h, 0.5);
  ASSERT_TRUE(p50);
  EXPECT_NEAR(*p50, 0.01 + 0.09 * 500.0 / 900.0, 1e-9);
  auto p99 = quantile_between(before, after, h, 0.99);
  EXPECT_NEAR(*p99, 0.1 + 0.9 * 90.0 / 100.0, 1e-9);
  EXPECT_FALSE(quantile_between(after, after, h, 0.99));
}

TEST(PromText, ACounterIncreaseCountsARestartFromZero) {
  auto sel = *Selector::parse(R"(http_requests_total{version="v1"})");
  auto before = parse_prometheus_text(
      "http_requests_total{version=\"v1\"} 10\nhttp_requests_total{version=\"v2\"} 50\n");
  auto after = parse_prometheus_text(
      "http_requests_total{version=\"v1\"} 13\nhttp_requests_total{version=\"v2\"} 90\n");
  EXPECT_EQ(increase_between(before, after, sel), 3);
  EXPECT_EQ(increase_between(after, after, sel), 0);
  auto restarted = parse_prometheus_text("http_requests_total{version=\"v1\"} 2\n");
  EXPECT_EQ(increase_between(after, restarted, sel), 2);
}

}  // namespace
