#include "scenarios/runner/verdict.h"

namespace schemashift::scenarios {

namespace {

using json = nlohmann::json;

void nothing_lost(const json& run, std::vector<std::string>& p) {
  const auto rows = run.value("rows", json::object());
  if (rows.contains("error"))
    p.push_back("rows could not be checked: " + rows["error"].get<std::string>());
  if (rows.value("checked", 0) == 0 && !rows.contains("error")) p.push_back("no row was checked");
  for (const char* k : {"lost", "wrong"})
    if (rows.value(k, 0) != 0) p.push_back(std::to_string(rows.value(k, 0)) + " rows " + k);
  const auto ev = run.value("events", json::object());
  if (ev.contains("error"))
    p.push_back("events could not be checked: " + ev["error"].get<std::string>());
  if (ev.value("produced", 0) == 0 && !ev.contains("error")) p.push_back("no event was produced");
  for (const char* k : {"lost", "duplicated", "misread", "dead_lettered"})
    if (ev.value(k, 0) != 0) p.push_back(std::to_string(ev.value(k, 0)) + " events " + k);
  for (const auto& e : rows.value("examples", json::array()))
    p.push_back("  " + e.get<std::string>());
  for (const auto& e : ev.value("examples", json::array()))
    p.push_back("  " + e.get<std::string>());
}

}  // namespace

std::vector<std::string> safe_run_problems(const json& run) {
  std::vector<std::string> p;
  if (run.value("outcome", "") != "Completed") p.push_back("outcome " + run.value("outcome", "?"));
  for (const auto& c : run.value("/load/clients"_json_pointer, json::array())) {
    if (c.value("requests", 0) == 0)
      p.push_back("client " + c.value("client", "") + " made no request");
    if (c.value("errors", 0) + c.value("wrong", 0) > 0)
      p.push_back("client " + c.value("client", "") + ": " + std::to_string(c.value("errors", 0)) +
                  " errors, " + std::to_string(c.value("wrong", 0)) + " wrong answers");
  }
  nothing_lost(run, p);
  return p;
}

std::vector<std::string> fault_run_problems(const json& run) {
  std::vector<std::string> p;
  if (run.value("outcome", "") != "RolledBack") p.push_back("outcome " + run.value("outcome", "?"));
  if (run.value("breach_at_s", -1.0) < 0) p.push_back("the breach was never injected");
  nothing_lost(run, p);
  return p;
}

}  // namespace schemashift::scenarios
