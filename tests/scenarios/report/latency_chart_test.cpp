// The latency picture drawn by gnuplot for real: an SVG with both runs' series, the safe
// run's phases and the naive change labelled.
#include "latency_chart.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "report_fixture.h"

namespace {

using namespace schemashift::scenarios::report;
using fixtures::ScratchResults;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(LatencyChart, GnuplotDrawsAnSvgWithBothRunsAndThePhaseLabels) {
  ScratchResults scratch("chart");
  const auto r = read_scenario_result(scratch.root() / "03");
  const auto svg = draw_latency_chart(r);
  EXPECT_EQ(svg, scratch.root() / "03" / "latency.svg");
  ASSERT_TRUE(std::filesystem::exists(svg));
  const auto text = slurp(svg);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.rfind("</svg>"), std::string::npos);
  EXPECT_LT(text.find("<svg"), text.rfind("</svg>"));
  for (const char* title :
       {"safe p99", "safe max", "naive p99", "naive max", "naive: seconds with errors",
        "naive change", "Scenario 03: change-column-type"})
    EXPECT_NE(text.find(title), std::string::npos) << title;
  for (const auto& phase : r.safe.phases)
    EXPECT_NE(text.find(">" + phase.phase + "<"), std::string::npos) << phase.phase;
  EXPECT_GT(text.size(), 5000u);  // drawn lines, not an empty frame
}

TEST(LatencyChart, AMissingSeriesFileIsRefusedByTheFieldThatNamesIt) {
  ScratchResults scratch("chart-missing-series");
  std::filesystem::remove(scratch.root() / "05" / "naive.series.csv");
  const auto r = read_scenario_result(scratch.root() / "05");
  try {
    draw_latency_chart(r);
    FAIL() << "a chart was drawn without the naive run's series";
  } catch (const ResultFileError& e) {
    EXPECT_EQ(e.field(), "runs.naive.series_csv");
  }
}

TEST(LatencyChart, TheScriptLeavesOutASeriesWithoutSamples) {
  const auto r = read_scenario_result(fixtures::fixture_results() / "05");
  const auto script = latency_chart_script(r, "/tmp/x.svg", 25, 0);
  EXPECT_NE(script.find("safe p99"), std::string::npos);
  EXPECT_EQ(script.find("naive p99"), std::string::npos);
  EXPECT_NE(script.find("'naive change' at 8.000"), std::string::npos);
  EXPECT_NE(script.find("set logscale y"), std::string::npos);
}

}  // namespace
