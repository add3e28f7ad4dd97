// scenario-runner: the eight scenarios, safe against naive under the same load, measured
// (docs/results.md). Each run gets a shop of its own on the stack's real node; results land in
// OUT/NN/result.json beside each run's per-second series and ledger.
//   scenario-runner [--scenario N]... [--size small|full] [--runs safe,naive] [--fault]
//                   [--out build/scenarios] [--assert]
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "scenarios/runner/scenario_run.h"
#include "scenarios/runner/verdict.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace schemashift::scenarios;

namespace {

json load_result(const std::string& path) {
  std::ifstream in(path);
  if (!in) return json::object();
  auto j = json::parse(in, nullptr, false);
  return j.is_object() ? j : json::object();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs the scenarios, safe and naive, under the same load, and measures them"};
  std::vector<int> numbers;
  std::string size = "small", out = "build/scenarios", runs = "safe,naive";
  std::string source = SCHEMASHIFT_SOURCE_DIR, build = SCHEMASHIFT_BUILD_DIR;
  bool fault = false, assert_promises = false;
  app.add_option("-s,--scenario", numbers, "scenario number (1-8), repeatable; default all")
      ->check(CLI::Range(1, 8));
  app.add_option("--size", size, "small (20k customers, 50k orders) or full (200k, 1M)")
      ->check(CLI::IsMember({"small", "full"}));
  app.add_option("--runs", runs, "which runs, comma-separated: safe, naive");
  app.add_flag("--fault", fault, "also the fault run: an SLO breach mid-backfill (scenario 5)");
  app.add_option("--out", out, "where result.json files go");
  app.add_flag("--assert", assert_promises,
               "exit 1 when a safe run broke a promise (errors, lost rows or events)");
  CLI11_PARSE(app, argc, argv);
  if (numbers.empty())
    for (const auto& s : catalog()) numbers.push_back(s.number);
  const bool do_safe = runs.find("safe") != std::string::npos;
  const bool do_naive = runs.find("naive") != std::string::npos;

  int broken = 0;
  for (int n : numbers) {
    const Scenario& s = scenario(n);
    const std::string dir = out + "/" + s.slug.substr(0, 2);
    fs::create_directories(dir);
    const std::string path = dir + "/result.json";
    json result = load_result(path);
    result["scenario"] = s.number;
    result["slug"] = s.slug;
    result["title"] = s.title;
    result["size"] = size;
    const Seed seed = seed_for(size);
    result["seed"] = {{"customers", seed.customers}, {"orders", seed.orders}};
    RunOptions o{size, dir, source, build};
    std::vector<RunKind> kinds;
    if (do_safe) kinds.push_back(RunKind::kSafe);
    if (do_naive) kinds.push_back(RunKind::kNaive);
    if (fault && n == 5) kinds.push_back(RunKind::kFault);
    for (RunKind k : kinds) {
      json run;
      try {
        run = run_scenario(s, k, o);
      } catch (const std::exception& e) {
        run = {{"outcome", "error"}, {"notes", json::array({e.what()})}};
        std::cout << "scenario " << n << " " << to_string(k) << ": " << e.what() << "\n";
      }
      if (k == RunKind::kFault) {
        result["fault"] = run;
      } else {
        result["runs"][to_string(k)] = run;
      }
      std::ofstream(path) << result.dump(2) << "\n";
      std::vector<std::string> problems;
      if (k == RunKind::kSafe) problems = safe_run_problems(run);
      if (k == RunKind::kFault) problems = fault_run_problems(run);
      const auto& l = run.value("load", json::object());
      std::cout << "scenario " << n << " " << to_string(k) << ": " << run.value("outcome", "?")
                << " in " << run.value("duration_s", 0.0) << " s; write p99 "
                << l.value("/writes/p99_ms"_json_pointer, 0.0) << " ms, max "
                << l.value("/writes/max_ms"_json_pointer, 0.0) << " ms; errors by version "
                << run.value("errors_by_version", json::object()).dump() << "; rows "
                << run.value("rows", json::object()).value("lost", 0) << " lost "
                << run.value("rows", json::object()).value("wrong", 0) << " wrong; events "
                << run.value("events", json::object()).value("lost", 0) << " lost\n";
      if (!problems.empty()) {
        if (assert_promises) ++broken;
        std::cout << "  promises broken:\n";
        for (const auto& p : problems) std::cout << "    " << p << "\n";
        for (const auto& note : run.value("notes", json::array()))
          std::cout << "    note: " << note.get<std::string>().substr(0, 4000) << "\n";
      }
    }
    std::cout << "  -> " << path << "\n";
  }
  return broken == 0 ? 0 : 1;
}
