// scenario-report: reads every build/scenarios/NN/result.json and writes results.md (the
// comparison table) and NN/latency.svg (the latency picture) beside them; prints the table and
// where the pictures are. Exit 2 when a result file is missing or malformed, 1 when gnuplot fails.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "latency_chart.h"
#include "results_table.h"
#include "scenario_result.h"

namespace report = schemashift::scenarios::report;

int main(int argc, char** argv) {
  CLI::App app{"scenario-report: the scenarios' comparison table and latency pictures"};
  std::string dir = "build/scenarios";
  bool no_charts = false;
  app.add_option("--dir", dir, "the folder holding NN/result.json (the runner's output)")
      ->capture_default_str();
  app.add_flag("--no-charts", no_charts, "write only results.md (no gnuplot)");
  CLI11_PARSE(app, argc, argv);

  std::vector<report::ScenarioResult> results;
  try {
    results = report::read_scenario_results(dir);
  } catch (const report::ResultFileError& e) {
    std::cerr << "scenario-report: " << e.what() << "\n";
    return 2;
  }

  const std::string markdown = report::results_markdown(results);
  const auto md_path = std::filesystem::path(dir) / "results.md";
  std::vector<std::filesystem::path> charts;
  try {
    if (!no_charts)
      for (const auto& r : results) charts.push_back(report::draw_latency_chart(r));
  } catch (const report::ResultFileError& e) {
    std::cerr << "scenario-report: " << e.what() << "\n";
    return 2;
  } catch (const report::ChartError& e) {
    std::cerr << "scenario-report: " << e.what() << "\n";
    return 1;
  }
  std::string document = markdown;
  if (!charts.empty()) {
    document += "\n## Latency over time\n\n";
    for (std::size_t i = 0; i < charts.size(); ++i)
      document += "![" + results[i].slug + "](" +
                  std::filesystem::relative(charts[i], md_path.parent_path()).string() + ")\n";
  }
  {
    std::ofstream out(md_path);
    out << document;
    if (!out) {
      std::cerr << "scenario-report: cannot write " << md_path.string() << "\n";
      return 1;
    }
  }
  std::cout << markdown << "\nTable: " << md_path.string() << "\n";
  if (!charts.empty()) {
    std::cout << "Pictures (latency over time, safe vs naive):\n";
    for (const auto& c : charts) std::cout << "  " << c.string() << "\n";
  }
  return 0;
}
