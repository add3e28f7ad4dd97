// Renders the scenarios' results as Markdown tables with units in the headers.
#include "results_table.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace schemashift::scenarios::report {

namespace {

std::string printf_string(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + c + " |";
  return out + "\n";
}

std::string separator(std::size_t columns, std::size_t left_aligned) {
  std::string out = "|";
  for (std::size_t i = 0; i < columns; ++i) out += i < left_aligned ? " --- |" : " ---: |";
  return out + "\n";
}

std::string two_digit(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

}  // namespace

std::string format_count(std::int64_t n) {
  const bool negative = n < 0;
  std::string digits = std::to_string(negative ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return negative ? "-" + digits : digits;
}

std::string format_ms(double ms) {
  if (!std::isfinite(ms)) return "—";
  if (ms < 1) return printf_string("%.2f", ms);
  if (ms < 10) return printf_string("%.1f", ms);
  return format_count(std::llround(ms));
}

std::string format_s(double s) {
  if (!std::isfinite(s)) return "—";
  return printf_string("%.1f", s);
}

std::string worst_client(const RunResult& run) {
  const ClientErrors* worst = nullptr;
  for (const auto& c : run.clients) {
    if (c.errors == 0 && c.wrong == 0) continue;
    if (!worst || c.errors > worst->errors || (c.errors == worst->errors && c.wrong > worst->wrong))
      worst = &c;
  }
  if (!worst) return "—";
  return worst->client + " (" + format_count(worst->errors) + ")";
}

std::vector<std::string> run_cells(const ScenarioResult& scenario, const RunResult& run,
                                   const std::string& which) {
  const auto slash = [](std::int64_t a, std::int64_t b) {
    return format_count(a) + " / " + format_count(b);
  };
  return {two_digit(scenario.scenario) + " " + scenario.title,
          which,
          run.outcome,
          slash(run.errors_v1, run.errors_v2),
          worst_client(run),
          format_count(run.wrong),
          format_ms(run.longest_write_stall_ms),
          format_ms(run.writes.p99_ms),
          format_ms(run.writes.p999_ms),
          format_ms(run.writes.max_ms),
          slash(run.rows.lost, run.rows.wrong),
          format_count(run.events.lost) + " / " + format_count(run.events.duplicated) + " / " +
              format_count(run.events.misread) + " / " + format_count(run.events.dead_lettered),
          format_s(run.duration_s)};
}

std::string results_markdown(const std::vector<ScenarioResult>& results) {
  std::ostringstream out;
  out << "# Scenario results: safe rollout against the naive change\n\n";
  const std::vector<std::string> header = {
      "Scenario",     "Run",      "Outcome",           "Errors v1 / v2",
      "Worst client", "Wrong",    "Write stall (ms)",  "Write p99 (ms)",
      "p99.9 (ms)",   "max (ms)", "Rows lost / wrong", "Events lost / dup / misread / DLQ",
      "Duration (s)"};
  out << row(header) << separator(header.size(), 3);
  for (const auto& r : results) {
    out << row(run_cells(r, r.safe, "safe"));
    out << row(run_cells(r, r.naive, "naive"));
  }
  bool any_fault = false;
  for (const auto& r : results) any_fault = any_fault || r.fault.has_value();
  if (any_fault) {
    out << "\n## Fault run: an SLO breach injected mid-backfill\n\n";
    const std::vector<std::string> fault_header = {
        "Scenario", "Outcome", "Breach to RolledBack (s)", "Rows checked", "Rows lost / wrong"};
    out << row(fault_header) << separator(fault_header.size(), 2);
    for (const auto& r : results) {
      if (!r.fault) continue;
      out << row({two_digit(r.scenario) + " " + r.title, r.fault->outcome,
                  format_s(r.fault->breach_to_rolled_back_s), format_count(r.fault->rows.checked),
                  format_count(r.fault->rows.lost) + " / " + format_count(r.fault->rows.wrong)});
    }
  }
  out << "\nLegend: *Errors* are answers that were not 2xx or never came (5 s timeout), by the "
         "client's API version; *Worst client* is the client with the most errors (its count). "
         "*Wrong* counts 2xx answers with the wrong shape or value. *Write stall* is the longest "
         "a scheduled write waited for its answer; write latencies count from the scheduled "
         "start (open loop). *Rows* are checked against the load's ledger in the database; "
         "*Events* are the acknowledged orders' shipments (DLQ: messages on the dead-letter "
         "topic). *Duration* is the run's length as the runner measured it. The latency pictures "
         "(NN/latency.svg) show each second's write p99 and max (latency from the scheduled "
         "send).\n";
  return out.str();
}

}  // namespace schemashift::scenarios::report
