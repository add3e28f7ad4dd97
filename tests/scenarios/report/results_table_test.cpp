// The comparison table: its rows and cells, rounding, the fault section and the legend.
#include "results_table.h"

#include <sstream>

#include <gtest/gtest.h>

#include "report_fixture.h"

namespace {

using namespace schemashift::scenarios::report;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(text))
    if (l.rfind(prefix, 0) == 0) out.push_back(l);
  return out;
}

TEST(ResultsTable, RoundsMillisecondsSecondsAndCounts) {
  EXPECT_EQ(format_ms(0.4242), "0.42");
  EXPECT_EQ(format_ms(6.94), "6.9");
  EXPECT_EQ(format_ms(9.96), "10.0");  // printf rounding at the edge; still one decimal
  EXPECT_EQ(format_ms(249.6), "250");
  EXPECT_EQ(format_ms(12400.4), "12,400");
  EXPECT_EQ(format_s(41.24), "41.2");
  EXPECT_EQ(format_s(2.46), "2.5");
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(20400), "20,400");
  EXPECT_EQ(format_count(1234567), "1,234,567");
}

TEST(ResultsTable, TheWorstClientHasTheMostErrorsAndWrongAnswersBreakTies) {
  const auto r = read_scenario_result(fixtures::fixture_results() / "03");
  EXPECT_EQ(worst_client(r.naive), "batch-v1 (17)");  // 17 errors like web-v1, but 5 wrong
  EXPECT_EQ(worst_client(r.safe), "—");
}

TEST(ResultsTable, OneRowPerRunWithTheCellsInTheHeadersOrder) {
  const auto all = read_scenario_results(fixtures::fixture_results());
  const auto md = results_markdown(all);
  auto rows = lines_starting(md, "| 03 change-column-type | safe |");
  const auto naive = lines_starting(md, "| 03 change-column-type | naive |");
  rows.insert(rows.end(), naive.begin(), naive.end());
  ASSERT_EQ(rows.size(), 2u) << md;
  EXPECT_EQ(rows[0],
            "| 03 change-column-type | safe | Completed | 0 / 0 | — | 0 | 12 | 6.9 | 9.6 | 12 | "
            "0 / 0 | 0 / 0 / 0 / 0 | 41.2 |");
  EXPECT_EQ(rows[1],
            "| 03 change-column-type | naive | applied | 34 / 4 | batch-v1 (17) | 7 | 5,000 | "
            "3,413 | 4,980 | 5,000 | 12 / 3 | 7 / 1 / 2 / 12,345 | 30.1 |");
  EXPECT_EQ(lines_starting(md, "| 05 split-table | safe |").size(), 1u);
  EXPECT_EQ(lines_starting(md, "| 05 split-table | naive |").size(), 1u);

  const auto header = lines_starting(md, "| Scenario | Run |");
  ASSERT_EQ(header.size(), 1u);
  for (const char* unit : {"Write stall (ms)", "Write p99 (ms)", "p99.9 (ms)", "max (ms)",
                           "Duration (s)", "Errors v1 / v2"})
    EXPECT_NE(header[0].find(unit), std::string::npos) << unit;
  // Safe comes before naive, and scenario 3 before 5.
  EXPECT_LT(md.find("| 03 change-column-type | safe"), md.find("| 03 change-column-type | naive"));
  EXPECT_LT(md.find("| 03 "), md.find("| 05 "));
}

TEST(ResultsTable, TheFaultRunHasItsOwnTableOnlyWhenAResultHasOne) {
  const auto all = read_scenario_results(fixtures::fixture_results());
  const auto md = results_markdown(all);
  EXPECT_NE(md.find("| Scenario | Outcome | Breach to RolledBack (s) |"), std::string::npos);
  const auto fault_rows = lines_starting(md, "| 03 change-column-type | RolledBack |");
  ASSERT_EQ(fault_rows.size(), 1u) << md;
  EXPECT_EQ(fault_rows[0], "| 03 change-column-type | RolledBack | 2.4 | 20,000 | 0 / 0 |");

  const auto without = results_markdown(std::vector<ScenarioResult>{all[1]});
  EXPECT_EQ(without.find("Breach to RolledBack"), std::string::npos);
  EXPECT_NE(without.find("Legend:"), std::string::npos);
}

}  // namespace
