// result.json read into the report's figures; bad files refused by the field's path.
#include "scenario_result.h"

#include <gtest/gtest.h>

#include "report_fixture.h"

namespace {

using namespace schemashift::scenarios::report;
using fixtures::ScratchResults;

TEST(ScenarioResult, ReadsTheSafeRunsPhasesAndTheNaiveRunsErrors) {
  const auto r = read_scenario_result(fixtures::fixture_results() / "03");
  EXPECT_EQ(r.scenario, 3);
  EXPECT_EQ(r.title, "change-column-type");
  EXPECT_EQ(r.safe.outcome, "Completed");
  ASSERT_EQ(r.safe.phases.size(), 6u);
  EXPECT_EQ(r.safe.phases[1].phase, "DualWriting");
  EXPECT_DOUBLE_EQ(r.safe.phases[1].at_s, 7.5);
  EXPECT_EQ(r.naive.errors_v1, 34);
  EXPECT_EQ(r.naive.errors_v2, 4);
  EXPECT_EQ(r.naive.wrong, 7);  // 2 + 0 + 5 over the three clients
  EXPECT_DOUBLE_EQ(r.naive.writes.p999_ms, 4980.0);
  EXPECT_EQ(r.naive.events.dead_lettered, 12345);
  EXPECT_EQ(r.safe.series_csv, fixtures::fixture_results() / "03" / "safe.series.csv");
  ASSERT_TRUE(r.fault.has_value());
  EXPECT_EQ(r.fault->outcome, "RolledBack");
  EXPECT_DOUBLE_EQ(r.fault->breach_to_rolled_back_s, 2.43);
}

TEST(ScenarioResult, AllResultsInScenarioOrderAndTheFaultIsOptional) {
  const auto all = read_scenario_results(fixtures::fixture_results());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].scenario, 3);
  EXPECT_EQ(all[1].scenario, 5);
  EXPECT_FALSE(all[1].fault.has_value());
}

TEST(ScenarioResult, AMissingFieldIsRefusedByItsPath) {
  ScratchResults scratch("missing-field");
  auto doc = scratch.read("03");
  doc["runs"]["naive"]["load"]["writes"].erase("p999_ms");
  scratch.write("03", doc);
  try {
    read_scenario_results(scratch.root());
    FAIL() << "a result without runs.naive.load.writes.p999_ms was accepted";
  } catch (const ResultFileError& e) {
    EXPECT_EQ(e.field(), "runs.naive.load.writes.p999_ms");
    EXPECT_EQ(e.file(), (scratch.root() / "03" / "result.json").string());
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

TEST(ScenarioResult, AMistypedFieldIsRefusedWithWhatItMustBe) {
  ScratchResults scratch("mistyped-field");
  auto doc = scratch.read("05");
  doc["runs"]["safe"]["phases"][1]["at_s"] = "twenty";
  scratch.write("05", doc);
  try {
    read_scenario_result(scratch.root() / "05");
    FAIL() << "a phase time given as text was accepted";
  } catch (const ResultFileError& e) {
    EXPECT_EQ(e.field(), "runs.safe.phases[1].at_s");
    EXPECT_NE(std::string(e.what()).find("must be a number"), std::string::npos) << e.what();
  }
}

TEST(ScenarioResult, AFileThatIsNotJsonOrAbsentIsRefusedByName) {
  ScratchResults scratch("not-json");
  std::ofstream(scratch.root() / "05" / "result.json") << "{\"scenario\": 5,";
  EXPECT_THROW(read_scenario_result(scratch.root() / "05"), ResultFileError);
  std::filesystem::remove(scratch.root() / "05" / "result.json");
  try {
    read_scenario_results(scratch.root());
    FAIL() << "a scenario folder without result.json was accepted";
  } catch (const ResultFileError& e) {
    EXPECT_EQ(e.file(), (scratch.root() / "05" / "result.json").string());
  }
  EXPECT_THROW(read_scenario_results(scratch.root() / "nothing-here"), ResultFileError);
}

}  // namespace
