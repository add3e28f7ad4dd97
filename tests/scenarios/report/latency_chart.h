// A scenario's latency over time as an SVG drawn by gnuplot: the safe run and the naive run on
// one log-scale chart, the safe run's phases and the naive change's moment as labelled lines,
// and the seconds with client errors marked along the top.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "scenario_result.h"

namespace schemashift::scenarios::report {

// gnuplot missing or failing, with what it printed.
class ChartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The gnuplot program that draws `scenario` into `svg` (pure: no file is read or written).
// `safe_rows` / `naive_rows`: how many data rows each series file holds (a series without any
// is left out, since gnuplot refuses to plot nothing).
std::string latency_chart_script(const ScenarioResult& scenario, const std::filesystem::path& svg,
                                 std::size_t safe_rows, std::size_t naive_rows);

// Data rows (lines after the header) in a series CSV; throws ResultFileError naming the result
// file and `field` when the file is missing or its header is not the series header.
std::size_t series_rows(const std::filesystem::path& csv, const std::string& result_file,
                        const std::string& field);

// Writes <dir>/latency.gp, runs gnuplot on it and returns <dir>/latency.svg.
// Throws ResultFileError for a missing series file and ChartError when gnuplot fails.
std::filesystem::path draw_latency_chart(const ScenarioResult& scenario);

}  // namespace schemashift::scenarios::report
