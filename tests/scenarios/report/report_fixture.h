// The fixture result files (tests/fixtures/scenario_results) copied into a scratch folder a
// test may write into.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>
#include <nlohmann/json.hpp>

namespace schemashift::scenarios::report::fixtures {

inline std::filesystem::path fixture_results() {
  return std::filesystem::path(SCHEMASHIFT_SOURCE_DIR) / "tests/fixtures/scenario_results";
}

// A fresh copy of the fixtures under the system's temporary folder, removed on destruction.
class ScratchResults {
 public:
  explicit ScratchResults(const std::string& name)
      : root_(std::filesystem::temp_directory_path() /
              ("scenario-report-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(root_);
    std::filesystem::copy(fixture_results(), root_, std::filesystem::copy_options::recursive);
  }
  ~ScratchResults() { std::filesystem::remove_all(root_); }
  const std::filesystem::path& root() const { return root_; }

  nlohmann::json read(const std::string& nn) const {
    std::ifstream in(root_ / nn / "result.json");
    return nlohmann::json::parse(in);
  }
  void write(const std::string& nn, const nlohmann::json& doc) const {
    std::ofstream(root_ / nn / "result.json") << doc.dump(1);
  }

 private:
  std::filesystem::path root_;
};

}  // namespace schemashift::scenarios::report::fixtures
