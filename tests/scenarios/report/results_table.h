// The comparison table of every scenario, safe and naive side by side, as Markdown
// (results.md and the report's stdout).
#pragma once

#include <string>
#include <vector>

#include "scenario_result.h"

namespace schemashift::scenarios::report {

// Milliseconds as a reader wants them: "0.42", "3.1", "250", "12,400".
std::string format_ms(double ms);
// Seconds with one decimal: "41.2".
std::string format_s(double s);
// A count with thousands separators: "20,000".
std::string format_count(std::int64_t n);
// The client with the most errors (wrong answers break ties) as "web-v1 (12)", or "—" when no
// client had an error.
std::string worst_client(const RunResult& run);

// One row of cells for one run, in the table's column order.
std::vector<std::string> run_cells(const ScenarioResult& scenario, const RunResult& run,
                                   const std::string& which);
// The whole document: the table, the fault runs' table when any result has one, and a legend.
std::string results_markdown(const std::vector<ScenarioResult>& results);

}  // namespace schemashift::scenarios::report
