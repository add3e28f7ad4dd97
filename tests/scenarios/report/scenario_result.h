// One scenario's result.json as the runner writes it (build/scenarios/NN/result.json), read
// into the figures the report shows. Reading refuses a missing or mistyped field by its path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::scenarios::report {

// A result file the report cannot use: which file, which field, and why.
class ResultFileError : public std::runtime_error {
 public:
  ResultFileError(std::string file, std::string field, std::string why);
  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_, field_;
};

struct Latency {
  double p99_ms = 0, p999_ms = 0, max_ms = 0;
};

struct ClientErrors {
  std::string client;
  std::int64_t errors = 0, wrong = 0;
};

struct PhaseMark {
  std::string phase;
  double at_s = 0;  // seconds since the load started
};

struct RowTally {
  std::int64_t checked = 0, lost = 0, wrong = 0;
};

struct EventTally {
  std::int64_t produced = 0, lost = 0, duplicated = 0, misread = 0, dead_lettered = 0;
};

// One run of a scenario: the safe rollout or the naive change.
struct RunResult {
  std::string outcome;
  double duration_s = 0;
  double change_at_s = 0;
  std::vector<PhaseMark> phases;
  std::int64_t errors_v1 = 0, errors_v2 = 0;
  std::vector<ClientErrors> clients;
  std::int64_t wrong = 0;  // 2xx answers with the wrong shape or value, all clients
  double longest_write_stall_ms = 0;
  Latency writes;
  RowTally rows;
  EventTally events;
  std::filesystem::path series_csv;  // absolute: resolved against the result file's folder
};

// The SLO breach injected mid-backfill (present on the scenario that has the fault run).
struct FaultResult {
  std::string outcome;
  double breach_to_rolled_back_s = 0;
  RowTally rows;
};

struct ScenarioResult {
  int scenario = 0;
  std::string slug, title, size;
  RunResult safe, naive;
  std::optional<FaultResult> fault;
  std::filesystem::path dir;  // the folder holding result.json (where latency.svg goes)
};

// `file` names the document in errors. Throws ResultFileError.
ScenarioResult parse_scenario_result(const nlohmann::json& doc, const std::filesystem::path& dir,
                                     const std::string& file);
// Reads and parses dir/result.json. Throws ResultFileError (also for unreadable or bad JSON).
ScenarioResult read_scenario_result(const std::filesystem::path& dir);
// Every <root>/NN/result.json (NN all digits), in scenario order. Throws ResultFileError
// when the root is missing or holds none.
std::vector<ScenarioResult> read_scenario_results(const std::filesystem::path& root);

}  // namespace schemashift::scenarios::report
