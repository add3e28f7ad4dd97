// The apiTraffic provider's arithmetic on canned metrics pages in the services' format
// (prometheus-cpp's text): old-version requests per client since the previous measurement,
// summed over pods, with the baseline, restarted pods, new pods and unscrapable pods.
#include "gates/api_traffic.h"

#include <gtest/gtest.h>

namespace {

using namespace schemashift::gates;
using schemashift::fail;

// A customers pod's page: v1 GETs by `billing` and by no X-Client-Id, v2 by fulfillment, the
// probes (api_version "none").
std::string page(int billing_ok, int billing_404, int unknown, int fulfillment_v2) {
  auto n = [](int v) { return std::to_string(v); };
  return "# HELP http_requests_total HTTP requests by route pattern, method, status, API version "
         "and client\n# TYPE http_requests_total counter\n"
         "http_requests_total{api_version=\"v1\",client=\"billing-batch\",method=\"GET\",route=\"/"
         "v1/customers/:id\",status=\"200\"} " +
         n(billing_ok) +
         "\n"
         "http_requests_total{api_version=\"v1\",client=\"billing-batch\",method=\"GET\",route=\"/"
         "v1/customers/:id\",status=\"404\"} " +
         n(billing_404) +
         "\n"
         "http_requests_total{api_version=\"v1\",client=\"unknown\",method=\"GET\",route=\"/v1/"
         "customers\",status=\"200\"} " +
         n(unknown) +
         "\n"
         "http_requests_total{api_version=\"v2\",client=\"fulfillment\",method=\"GET\",route=\"/"
         "v2/customers/:id\",status=\"200\"} " +
         n(fulfillment_v2) +
         "\n"
         "http_requests_total{api_version=\"none\",client=\"unknown\",method=\"GET\",route=\"/"
         "readyz\",status=\"200\"} 77\n"
         "# TYPE http_request_duration_seconds histogram\n"
         "http_request_duration_seconds_count{api_version=\"v1\",method=\"GET\",route=\"/v1/"
         "customers/:id\"} 999\n";
}

ScrapedPage ok(const std::string& url, const std::string& text) { return {url, text}; }

const std::string kA = "http://10.0.2.10:9090/metrics", kB = "http://10.0.2.11:9090/metrics";

TEST(ApiTraffic, IncreasePerClientCountsOnlyTheOldVersion) {
  const auto before = parse_prometheus_text(page(10, 1, 3, 50));
  const auto after = parse_prometheus_text(page(22, 2, 3, 500));
  const auto inc = old_version_increase(&before, after, "v1");
  EXPECT_EQ(inc, (std::map<std::string, double>{{"billing-batch", 13}}));
  EXPECT_EQ(old_version_increase(&before, after, "v2"),
            (std::map<std::string, double>{{"fulfillment", 450}}));
}

TEST(ApiTraffic, APodNotSeenBeforeHasOnlyNewCounts) {
  const auto now = parse_prometheus_text(page(4, 0, 1, 9));
  EXPECT_EQ(old_version_increase(nullptr, now, "v1"),
            (std::map<std::string, double>{{"billing-batch", 4}, {"unknown", 1}}));
}

TEST(ApiTraffic, ACounterThatWentDownMeansTheProcessRestartedAndCountsFromZero) {
  const auto before = parse_prometheus_text(page(100, 5, 20, 50));
  // Restarted: every series starts again; billing-batch made 7 calls since, more than the
  // unknown client's 20 before would hide if only its own series were compared.
  const auto after = parse_prometheus_text(page(7, 0, 30, 1));
  EXPECT_EQ(old_version_increase(&before, after, "v1"),
            (std::map<std::string, double>{{"billing-batch", 7}, {"unknown", 30}}));
}

TEST(ApiTraffic, ASeriesThatVanishedAlsoMeansARestart) {
  const auto before = parse_prometheus_text(page(100, 5, 20, 50));
  const auto after = parse_prometheus_text(
      "http_requests_total{api_version=\"v1\",client=\"billing-batch\",method=\"GET\",route=\"/"
      "v1/customers/:id\",status=\"200\"} 120\n");
  // Only the 404 series is gone; the 200 series at 120 is read as 120 new requests.
  EXPECT_EQ(old_version_increase(&before, after, "v1"),
            (std::map<std::string, double>{{"billing-batch", 120}}));
}

TEST(ApiTraffic, DescribeNamesEveryClientMostRequestsFirst) {
  EXPECT_EQ(describe_clients({{"a-client", 1}, {"billing-batch", 12}, {"quiet", 0}}, "v1"),
            "client billing-batch: 12 v1 requests; client a-client: 1 v1 request");
  EXPECT_EQ(describe_clients({}, "v1"), "");
}

TEST(ApiTraffic, FirstMeasurementIsTheBaselineThenIncreasesSummedOverPods) {
  ApiTrafficProvider p;
  auto m = p.measure_pages("v1", {ok(kA, page(10, 0, 0, 5)), ok(kB, page(20, 0, 1, 5))}, "v1");
  EXPECT_EQ(m.kind, MeasurementKind::kNoData) << m.detail;
  EXPECT_NE(m.detail.find("baseline"), std::string::npos) << m.detail;
  EXPECT_TRUE(p.per_client("v1").empty());

  m = p.measure_pages("v1", {ok(kA, page(15, 1, 0, 9)), ok(kB, page(26, 0, 1, 9))}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 12);
  EXPECT_EQ(m.detail, "client billing-batch: 12 v1 requests");

  m = p.measure_pages("v1", {ok(kA, page(15, 1, 2, 90)), ok(kB, page(27, 0, 1, 90))}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 3);
  EXPECT_EQ(m.detail, "client unknown: 2 v1 requests; client billing-batch: 1 v1 request");
  EXPECT_EQ(p.per_client("v1"),
            (std::vector<ClientRequests>{{"billing-batch", 13, 1}, {"unknown", 2, 2}}));

  m = p.measure_pages("v1", {ok(kA, page(15, 1, 2, 500)), ok(kB, page(27, 0, 1, 800))}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 0) << "v2 traffic is not old-version traffic";
  EXPECT_NE(m.detail.find("no v1 requests on 2 pods"), std::string::npos) << m.detail;
  EXPECT_EQ(p.per_client("v1"),
            (std::vector<ClientRequests>{{"billing-batch", 13, 0}, {"unknown", 2, 0}}))
      << "totals stay, the last interval is empty";
}

TEST(ApiTraffic, ARestartedPodAndAReplacementPodAreCounted) {
  ApiTrafficProvider p;
  (void)p.measure_pages("g", {ok(kA, page(100, 0, 0, 0)), ok(kB, page(100, 0, 0, 0))}, "v1");
  // A restarted (4 calls since), B replaced by C (a new pod with 3 calls).
  const std::string kC = "http://10.0.2.12:9090/metrics";
  auto m = p.measure_pages("g", {ok(kA, page(4, 0, 0, 0)), ok(kC, page(3, 0, 0, 0))}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 7);
  // B comes back (seen before? no: it was forgotten when it was missing): all its counts new.
  m = p.measure_pages(
      "g", {ok(kA, page(4, 0, 0, 0)), ok(kB, page(101, 0, 0, 0)), ok(kC, page(3, 0, 0, 0))}, "v1");
  EXPECT_EQ(m.value, 101);
}

TEST(ApiTraffic, APodThatCannotBeScrapedIsAnErrorAndTheNextMeasurementCoversBothIntervals) {
  ApiTrafficProvider p;
  (void)p.measure_pages("g", {ok(kA, page(10, 0, 0, 0)), ok(kB, page(10, 0, 0, 0))}, "v1");
  auto m = p.measure_pages(
      "g", {ok(kA, page(11, 0, 0, 0)), {kB, fail(std::string(kB + ": Connection"))}}, "v1");
  EXPECT_EQ(m.kind, MeasurementKind::kError);
  EXPECT_NE(m.detail.find(kB), std::string::npos) << m.detail;
  m = p.measure_pages("g", {ok(kA, page(12, 0, 0, 0)), ok(kB, page(13, 0, 0, 0))}, "v1");
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(m.value, 5) << "A: 10 -> 12, B: 10 -> 13 over both intervals";
}

TEST(ApiTraffic, APageWithoutTheRequestCounterIsAnErrorNotSilence) {
  ApiTrafficProvider p;
  auto m = p.measure_pages("g", {ok(kA, "# HELP go_goroutines x\ngo_goroutines 12\n")}, "v1");
  EXPECT_EQ(m.kind, MeasurementKind::kError);
  EXPECT_NE(m.detail.find("has no http_requests_total"), std::string::npos) << m.detail;
}

TEST(ApiTraffic, NoPodIsNoDataNeverClean) {
  ApiTrafficProvider p;
  (void)p.measure_pages("g", {ok(kA, page(10, 0, 0, 0))}, "v1");
  auto m = p.measure_pages("g", {}, "v1");
  EXPECT_EQ(m.kind, MeasurementKind::kNoData) << m.detail;
}

TEST(ApiTraffic, GatesKeepTheirOwnCounts) {
  ApiTrafficProvider p;
  (void)p.measure_pages("one", {ok(kA, page(10, 0, 0, 0))}, "v1");
  auto m = p.measure_pages("two", {ok(kA, page(20, 0, 0, 0))}, "v1");
  EXPECT_EQ(m.kind, MeasurementKind::kNoData) << "gate two's first measurement is its baseline";
  m = p.measure_pages("one", {ok(kA, page(20, 0, 0, 0))}, "v1");
  EXPECT_EQ(m.value, 10);
}

}  // namespace
