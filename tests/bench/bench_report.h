// Benchmark reporting: medians with min-max over interleaved trials, printed for people and
// written as JSON (build/bench/<id>.json) beside the targets from benchmarks.md. Targets
// prints every figure beside its target and decides the program's exit status: 0 when every
// target is met, 2 when one is missed (hack/bench.sh names the benchmark), 1 for a crash.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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

// The p-th percentile (0..1) of `v` by nearest rank; 0 for an empty sample.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size()));
  return v[std::min(v.size() - 1, rank)];
}

inline std::string out_dir(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--out-dir") return argv[i + 1];
  }
  return "build/bench";
}

// An integer option ("--rows 100000"), for runs at small sizes while developing.
inline long long int_arg(int argc, char** argv, const std::string& name, long long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atoll(argv[i + 1]);
  }
  return fallback;
}

inline void write_report(const std::string& dir, const std::string& id,
                         const nlohmann::json& report) {
  std::ofstream(dir + "/" + id + ".json") << report.dump(2) << "\n";
}

class Targets {
 public:
  explicit Targets(std::string id) : id_(std::move(id)) {}

  bool at_most(const std::string& figure, double value, double target,
               const std::string& unit = "") {
    return add(figure, value, value <= target, "<= " + num(target) + unit, unit);
  }
  bool at_least(const std::string& figure, double value, double target,
                const std::string& unit = "") {
    return add(figure, value, value >= target, ">= " + num(target) + unit, unit);
  }
  bool within(const std::string& figure, double value, double lo, double hi) {
    return add(figure, value, value >= lo && value <= hi, "in [" + num(lo) + ", " + num(hi) + "]",
               "");
  }
  // A figure reported for context, beside no target.
  void note(const std::string& figure, double value, const std::string& unit = "") {
    std::printf("%s %s: %s%s\n", id_.c_str(), figure.c_str(), num(value).c_str(), unit.c_str());
    figures_.push_back({{"figure", figure}, {"value", value}});
  }

  // Prints the verdict, records it in `report` and returns the exit status.
  int finish(nlohmann::json& report) const {
    report["figures"] = figures_;
    report["missed"] = missed_;
    report["meets_targets"] = missed_.empty();
    if (missed_.empty()) {
      std::printf("%s: every target met\n", id_.c_str());
      return 0;
    }
    std::string list;
    for (const auto& m : missed_) list += (list.empty() ? "" : "; ") + m;
    std::printf("%s: MISSED %zu target(s): %s\n", id_.c_str(), missed_.size(), list.c_str());
    return 2;
  }

 private:
  static std::string num(double v) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    return buf;
  }
  bool add(const std::string& figure, double value, bool ok, const std::string& target,
           const std::string& unit) {
    std::printf("%s %s: %s%s (target %s) %s\n", id_.c_str(), figure.c_str(), num(value).c_str(),
                unit.c_str(), target.c_str(), ok ? "ok" : "MISSED");
    figures_.push_back({{"figure", figure}, {"value", value}, {"target", target}, {"ok", ok}});
    if (!ok) missed_.push_back(figure + " " + num(value) + unit + " (target " + target + ")");
    return ok;
  }
  std::string id_;
  nlohmann::json figures_ = nlohmann::json::array();
  std::vector<std::string> missed_;
};

// For the benchmarks that judge in their own code: the exit status from report["meets_targets"].
inline int verdict(const std::string& id, const nlohmann::json& report) {
  const bool ok = report.value("meets_targets", false);
  std::printf("%s: %s\n", id.c_str(),
              ok ? "every target met" : "MISSED a target (figures and targets above)");
  return ok ? 0 : 2;
}

}  // namespace schemashift::bench
