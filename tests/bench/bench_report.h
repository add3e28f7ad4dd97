// Benchmark reporting: medians with min-max over interleaved trials, printed for people and
// written as JSON (build/bench/<id>.json) beside the targets from benchmarks.md.
#pragma once

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::bench {

struct Stat {
  double median = 0, min = 0, max = 0;
  static Stat of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    if (v.empty()) return {};
    return {v[v.size() / 2], v.front(), v.back()};
  }
  nlohmann::json json() const { return {{"median", median}, {"min", min}, {"max", max}}; }
};

inline std::string out_dir(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--out-dir") return argv[i + 1];
  }
  return "build/bench";
}

inline void write_report(const std::string& dir, const std::string& id,
                         const nlohmann::json& report) {
  std::ofstream(dir + "/" + id + ".json") << report.dump(2) << "\n";
}

}  // namespace schemashift::bench
