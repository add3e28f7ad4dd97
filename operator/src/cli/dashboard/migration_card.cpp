#include "cli/dashboard/migration_card.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "cli/migration_view.h"
#include "common/time.h"

namespace schemashift::cli::dashboard {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

const json& section(const json& obj, const char* key) {
  static const json empty = json::object();
  return obj.is_object() && obj.contains(key) && obj[key].is_object() ? obj[key] : empty;
}

const json& array_of(const json& obj, const char* key) {
  static const json empty = json::array();
  return obj.is_object() && obj.contains(key) && obj[key].is_array() ? obj[key] : empty;
}

bool annotation_true(const json& m, const char* key) {
  const json& an = section(section(m, "metadata"), "annotations");
  return an.contains(key) && an[key].is_string() && an[key].get<std::string>() == "true";
}

// Which stage a step of the tree belongs to.
std::string stage_of(const std::string& step) {
  if (step == "plan") return "plan";
  if (step.starts_with("expand[")) return "validate";
  if (step == "verify" || step == "flags read-new") return "verify";
  if (step.starts_with("contract[")) return "contract";
  if (step.starts_with("rollback[")) return "";
  return "migrate";  // flags dual-write, backfill
}

// A stage from its steps: failed beats running beats waiting; done when every step is done
// (skipped ones count as not reached).
std::string combine(const std::vector<std::string>& states) {
  if (states.empty()) return "skipped";
  auto any = [&](const char* s) {
    return std::find(states.begin(), states.end(), s) != states.end();
  };
  if (any("failed")) return "failed";
  if (any("running")) return "running";
  if (any("waiting")) return "waiting";
  if (std::all_of(states.begin(), states.end(), [](const auto& s) { return s == "done"; }))
    return "done";
  if (any("done")) return "running";
  if (std::all_of(states.begin(), states.end(), [](const auto& s) { return s == "skipped"; }))
    return "skipped";
  return "pending";
}

std::string event_time(const json& e) {
  for (const char* k : {"/series/lastObservedTime", "/eventTime", "/deprecatedLastTimestamp",
                        "/metadata/creationTimestamp"}) {
    const json::json_pointer ptr(k);
    if (e.contains(ptr) && e[ptr].is_string()) return e[ptr].get<std::string>();
  }
  return "";
}

bool expand_passed(const json& m) {
  const json& status = section(m, "status");
  static const std::vector<std::string> after_expand = {
      "DualWriting",      "Backfilling", "Verifying", "ReadSwitching",
      "AwaitingContract", "Contracting", "Completed"};
  auto past = [&](const std::string& phase) {
    return std::find(after_expand.begin(), after_expand.end(), phase) != after_expand.end();
  };
  if (past(status.value("phase", ""))) return true;
  for (const auto& h : array_of(status, "history"))
    if (h.is_object() && past(h.value("phase", ""))) return true;
  return false;
}

// Seconds from creation to the history's Completed entry, with when that was.
std::optional<std::pair<Clock::time_point, double>> completion(const json& m) {
  const json& status = section(m, "status");
  if (status.value("phase", "") != "Completed") return std::nullopt;
  auto created = parse_rfc3339(section(m, "metadata").value("creationTimestamp", ""));
  for (const auto& h : array_of(status, "history")) {
    if (!h.is_object() || h.value("phase", "") != "Completed") continue;
    auto at = parse_rfc3339(h.value("at", ""));
    if (!at || !created) return std::nullopt;
    return std::make_pair(*at, std::chrono::duration<double>(*at - *created).count());
  }
  return std::nullopt;
}

}  // namespace

json migration_timeline(const json& m) {
  const std::vector<std::string> order = {"plan", "validate", "migrate", "verify", "contract"};
  std::map<std::string, std::vector<std::string>> by_stage;
  for (const auto& s : migration_steps(m)) {
    const std::string stage = stage_of(s.name);
    if (!stage.empty()) by_stage[stage].push_back(s.state);
  }
  json out = json::array();
  for (const auto& stage : order)
    out.push_back({{"stage", stage}, {"state", combine(by_stage[stage])}});
  return out;
}

json migration_card(const json& m, const json& events, Clock::time_point now,
                    std::size_t max_events) {
  const json& meta = section(m, "metadata");
  const json& spec = section(m, "spec");
  const json& status = section(m, "status");
  const json& bf = section(status, "backfill");
  const std::string phase = status.value("phase", "Pending");

  json card;
  card["namespace"] = meta.value("namespace", "");
  card["name"] = meta.value("name", "");
  card["uid"] = meta.value("uid", "");
  card["phase"] = phase;
  card["reconciled"] = status.contains("phase");
  card["paused"] = spec.value("paused", false) || annotation_true(m, "schemashift.io/paused");
  card["abortRequested"] = annotation_true(m, "schemashift.io/abort");
  card["approved"] = spec.value("approve", false) || annotation_true(m, "schemashift.io/approve");
  card["created"] = meta.value("creationTimestamp", "");
  if (auto created = parse_rfc3339(meta.value("creationTimestamp", "")))
    card["age"] = human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *created));

  const auto done = bf.value("rowsDone", std::int64_t{0});
  const auto total = bf.value("rowsEstimated", std::int64_t{0});
  const double rate = bf.value("rowsPerSecond", 0.0);
  const bool complete = bf.value("complete", false);
  json progress = {{"hasBackfill", spec.contains("backfill")},
                   {"rowsDone", done},
                   {"rowsTotal", total},
                   {"rowsPerSecond", rate},
                   {"complete", complete}};
  double fraction = complete    ? 1.0
                    : total > 0 ? static_cast<double>(done) / static_cast<double>(total)
                                : 0.0;
  progress["fraction"] = std::clamp(fraction, 0.0, 1.0);
  progress["text"] = with_thousands(done) + " / " + with_thousands(total) + " rows";
  if (!complete && rate > 0 && total > done)
    progress["eta"] = human_duration(
        std::chrono::seconds(static_cast<std::int64_t>(static_cast<double>(total - done) / rate)));
  card["progress"] = progress;

  // The gate's provider and threshold from the spec, its state and last value from the status.
  json gates = json::array();
  for (const auto& g : array_of(status, "gates")) {
    if (!g.is_object()) continue;
    json gate = {{"name", g.value("name", "")},
                 {"phase", g.value("phase", "Pending")},
                 {"tripped", g.value("tripped", false)},
                 {"detail", g.value("lastDetail", "")}};
    gate["value"] = g.contains("lastValue") && g["lastValue"].is_number() ? g["lastValue"] : json();
    for (const auto& sg : array_of(spec, "gates"))
      if (sg.is_object() && sg.value("name", "") == gate["name"])
        gate["provider"] = sg.value("provider", "");
    gates.push_back(gate);
  }
  card["gates"] = gates;

  json targets = json::array();
  for (const auto& t : array_of(status, "targets"))
    if (t.is_object())
      targets.push_back({{"service", t.value("service", "")},
                         {"mode", t.value("mode", "")},
                         {"acknowledged", t.value("acknowledged", "")}});
  if (targets.empty()) {
    for (const auto& t : array_of(spec, "targets"))
      if (t.is_object())
        targets.push_back(
            {{"service", t.value("service", "")}, {"mode", ""}, {"acknowledged", ""}});
  }
  card["targets"] = targets;

  json steps = json::array();
  for (const auto& s : migration_steps(m))
    steps.push_back({{"name", s.name}, {"state", s.state}, {"detail", s.detail}});
  card["steps"] = steps;
  card["timeline"] = migration_timeline(m);

  json conditions = json::array();
  std::string message;
  for (const auto& c : array_of(status, "conditions")) {
    if (!c.is_object()) continue;
    conditions.push_back({{"type", c.value("type", "")},
                          {"status", c.value("status", "")},
                          {"reason", c.value("reason", "")},
                          {"message", c.value("message", "")}});
    if (c.value("type", "") == "Ready") message = c.value("message", "");
  }
  card["conditions"] = conditions;
  card["message"] = message;
  card["rollbackReason"] = status.value("rollbackReason", "");
  card["lastError"] = section(status, "lastError").value("message", "");

  json history = json::array();
  for (const auto& h : array_of(status, "history"))
    if (h.is_object())
      history.push_back({{"phase", h.value("phase", "")},
                         {"at", h.value("at", "")},
                         {"reason", h.value("reason", "")}});
  card["history"] = history;

  std::vector<json> log;
  for (const auto& e : events.is_array() ? events : array_of(events, "items")) {
    if (!e.is_object()) continue;
    log.push_back({{"time", event_time(e)},
                   {"type", e.value("type", "")},
                   {"reason", e.value("reason", "")},
                   {"note", e.value("note", e.value("message", ""))},
                   {"count", e.contains("series") ? section(e, "series").value("count", 1) : 1}});
  }
  auto when = [](const json& e) {
    return parse_rfc3339(e["time"].get<std::string>()).value_or(Clock::time_point{});
  };
  std::stable_sort(log.begin(), log.end(),
                   [&](const json& a, const json& b) { return when(a) < when(b); });
  if (log.size() > max_events) log.erase(log.begin(), log.end() - static_cast<long>(max_events));
  card["events"] = log;

  card["expandPassed"] = expand_passed(m);
  if (auto c = completion(m)) {
    card["completedAt"] = status.contains("history") ? json(rfc3339(c->first)) : json();
    card["durationSeconds"] = c->second;
  }
  return card;
}

json board_counters(const std::vector<json>& migrations) {
  int total = 0, passed = 0, applied = 0, rolled_back = 0, failed = 0;
  std::optional<std::pair<Clock::time_point, double>> last;
  for (const auto& m : migrations) {
    ++total;
    passed += expand_passed(m);
    const std::string phase = section(m, "status").value("phase", "");
    applied += phase == "Completed";
    rolled_back += phase == "RolledBack";
    failed += phase == "Failed";
    if (auto c = completion(m); c && (!last || c->first > last->first)) last = c;
  }
  return {{"total", total},     {"passedValidation", passed},
          {"applied", applied}, {"rolledBack", rolled_back},
          {"failed", failed},   {"lastDurationSeconds", last ? json(last->second) : json()}};
}

}  // namespace schemashift::cli::dashboard
