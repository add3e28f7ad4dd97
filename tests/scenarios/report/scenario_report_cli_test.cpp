// The scenario-report program as the runner and `make demo` call it.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "report_fixture.h"

namespace {

using schemashift::scenarios::report::fixtures::ScratchResults;

struct Run {
  int exit_code;
  std::string output;  // stdout and stderr
};

Run run_report(const std::filesystem::path& dir) {
  const std::string cmd =
      std::string(SCHEMASHIFT_BINARY_DIR) + "/scenario-report --dir '" + dir.string() + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(ScenarioReportCli, PrintsTheTableWritesResultsMdAndSaysWhereThePicturesAre) {
  ScratchResults scratch("cli");
  const auto r = run_report(scratch.root());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("| 03 change-column-type | naive | applied |"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find((scratch.root() / "05" / "latency.svg").string()), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(scratch.root() / "03" / "latency.svg"));
  std::ifstream md(scratch.root() / "results.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("| 05 split-table | safe | Completed |"), std::string::npos);
  EXPECT_NE(text.str().find("![05-split-table](05/latency.svg)"), std::string::npos);
}

TEST(ScenarioReportCli, AMalformedResultExitsTwoNamingTheFileAndTheField) {
  ScratchResults scratch("cli-bad");
  auto doc = scratch.read("05");
  doc["runs"]["safe"].erase("errors_by_version");
  scratch.write("05", doc);
  const auto r = run_report(scratch.root());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find((scratch.root() / "05" / "result.json").string()), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("runs.safe.errors_by_version: missing"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(scratch.root() / "results.md"));
}

}  // namespace
