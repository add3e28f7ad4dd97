#include "cli/migration_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

#include "common/time.h"

namespace schemashift::cli {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

// The phases in the order a migration moves through them.
const std::vector<std::string> kForward = {
    "Pending",   "Planned",       "Expanding",        "DualWriting", "Backfilling",
    "Verifying", "ReadSwitching", "AwaitingContract", "Contracting", "Completed"};

int forward_index(const std::string& phase) {
  auto it = std::find(kForward.begin(), kForward.end(), phase);
  return it == kForward.end() ? -1 : static_cast<int>(it - kForward.begin());
}

enum class State { kDone, kRunning, kWaiting, kPending, kFailed, kSkipped };

struct Paint {
  const ViewStyle& style;
  std::string wrap(const char* code, const std::string& text) const {
    return style.color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  }
  std::string green(const std::string& t) const { return wrap("32", t); }
  std::string red(const std::string& t) const { return wrap("31", t); }
  std::string yellow(const std::string& t) const { return wrap("33", t); }
  std::string cyan(const std::string& t) const { return wrap("36", t); }
  std::string dim(const std::string& t) const { return wrap("2", t); }
  std::string bold(const std::string& t) const { return wrap("1", t); }

  std::string symbol(State s) const {
    const bool u = style.unicode;
    switch (s) {
      case State::kDone:
        return green(u ? "✔" : "[x]");
      case State::kRunning:
        return cyan(u ? "◌" : "[~]");
      case State::kWaiting:
        return yellow(u ? "◷" : "[?]");
      case State::kPending:
        return dim(u ? "○" : "[ ]");
      case State::kFailed:
        return red(u ? "✖" : "[!]");
      case State::kSkipped:
        return dim(u ? "−" : "[-]");
    }
    return "";
  }
  std::string branch(bool last) const {
    return style.unicode ? (last ? "└──" : "├──") : (last ? "`--" : "|--");
  }
};

std::string phase_label(const Paint& p, const std::string& phase, bool paused) {
  if (phase == "Completed") return p.green(p.style.unicode ? "✔ Completed" : "[x] Completed");
  if (phase == "RolledBack") return p.yellow(p.style.unicode ? "↺ RolledBack" : "[<] RolledBack");
  if (phase == "Failed") return p.red(p.style.unicode ? "✖ Failed" : "[!] Failed");
  if (phase == "RollingBack")
    return p.yellow(p.style.unicode ? "↺ RollingBack" : "[<] RollingBack");
  if (paused)
    return p.yellow(p.style.unicode ? "‖ " + phase + " (paused)" : "[=] " + phase + " (paused)");
  if (phase == "AwaitingContract") return p.yellow(p.style.unicode ? "◷ " + phase : "[?] " + phase);
  return p.cyan(p.style.unicode ? "◌ " + phase : "[~] " + phase);
}

std::string one_line(std::string s, std::size_t max = 72) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!space && !out.empty()) out += ' ';
      space = true;
    } else {
      out += c;
      space = false;
    }
  }
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string age_of(const std::string& stamp, Clock::time_point now) {
  auto t = parse_rfc3339(stamp);
  if (!t) return "?";
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

bool annotation_true(const json& obj, const std::string& key) {
  const json* a = obj.contains("metadata") ? &obj["metadata"] : nullptr;
  if (!a || !a->contains("annotations") || !(*a)["annotations"].is_object()) return false;
  const auto& an = (*a)["annotations"];
  return an.contains(key) && an[key].is_string() && an[key].get<std::string>() == "true";
}

std::size_t list_size(const json& spec, const char* section) {
  if (!spec.contains(section) || !spec[section].is_object()) return 0;
  const auto& s = spec[section];
  return s.contains("sql") && s["sql"].is_array() ? s["sql"].size() : 0;
}

std::string sql_at(const json& spec, const char* section, std::size_t i) {
  return spec[section]["sql"][i].is_string() ? spec[section]["sql"][i].get<std::string>() : "";
}

struct Step {
  State state;
  std::string name;
  std::string detail;
};

// Where a step stands from the phase reached: `at` is the phase in which it runs.
State by_phase(int reached, int at, bool rolled_back) {
  if (reached > at) return State::kDone;
  if (reached == at) return rolled_back ? State::kSkipped : State::kRunning;
  return rolled_back ? State::kSkipped : State::kPending;
}

std::string backfill_bar(const Paint& p, const json& bf, bool complete) {
  const auto done = bf.value("rowsDone", std::int64_t{0});
  const auto total = bf.value("rowsEstimated", std::int64_t{0});
  const double rate = bf.value("rowsPerSecond", 0.0);
  const int width = std::max(4, p.style.bar_width);
  double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
  if (complete) fraction = 1;
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(std::lround(fraction * width));
  std::string bar;
  for (int i = 0; i < width; ++i) {
    if (p.style.unicode)
      bar += i < filled ? "█" : "░";
    else
      bar += i < filled ? '#' : '.';
  }
  std::string text = "[" + (complete ? p.green(bar) : p.cyan(bar)) + "] " +
                     fixed(100 * fraction, 0) + "%  " + with_thousands(done) + " / " +
                     with_thousands(total) + " rows";
  if (!complete && rate > 0) {
    text += "  " + with_thousands(static_cast<std::int64_t>(rate)) + " rows/s";
    if (total > done) {
      const auto eta = static_cast<std::int64_t>(static_cast<double>(total - done) / rate);
      text += "  ETA " + human_duration(std::chrono::seconds(eta));
    }
  }
  return text;
}

std::vector<Step> steps_of(const Paint& p, const json& spec, const json& status, bool approved) {
  const std::string phase = status.value("phase", "Pending");
  const bool rolled_back = phase == "RollingBack" || phase == "RolledBack" || phase == "Failed";
  int reached = forward_index(phase);
  if (rolled_back) {
    // How far it got before turning back: the last forward phase in the history.
    reached = 0;
    if (status.contains("history") && status["history"].is_array()) {
      for (const auto& h : status["history"])
        reached = std::max(reached, forward_index(h.value("phase", "")));
    }
  }
  const auto idx = [](const char* ph) { return forward_index(ph); };
  const auto& steps = status.contains("steps") ? status["steps"] : json::object();
  std::vector<Step> out;

  out.push_back({by_phase(reached, idx("Pending"), false), "plan",
                 status.value("planHash", "").empty()
                     ? ""
                     : "hash " + status.value("planHash", "").substr(0, 12)});

  const auto expand_done = steps.value("expandDone", 0);
  for (std::size_t i = 0; i < list_size(spec, "expand"); ++i) {
    State s = static_cast<int>(i) < expand_done                            ? State::kDone
              : phase == "Expanding" && static_cast<int>(i) == expand_done ? State::kRunning
              : rolled_back                                                ? State::kSkipped
                                                                           : State::kPending;
    out.push_back({s, "expand[" + std::to_string(i) + "]", one_line(sql_at(spec, "expand", i))});
  }

  const bool has_targets =
      spec.contains("targets") && spec["targets"].is_array() && !spec["targets"].empty();
  const std::string mode = status.contains("flags") ? status["flags"].value("mode", "") : "";
  const std::string acked =
      status.contains("flags") ? status["flags"].value("acknowledged", "") : "";
  std::string services;
  if (has_targets) {
    for (const auto& t : spec["targets"])
      services += (services.empty() ? "" : ", ") + t.value("service", "?");
  }
  // Per target, when the status has them: "customers dual-write (acknowledged), fulfillment old".
  std::map<std::string, std::pair<std::string, std::string>> per_target;  // mode, acknowledged
  if (status.contains("targets") && status["targets"].is_array()) {
    for (const auto& t : status["targets"])
      per_target[t.value("service", "")] = {t.value("mode", ""), t.value("acknowledged", "")};
  }
  const auto flag_detail = [&](const char* want) {
    if (per_target.empty()) {
      std::string d = services;
      if (mode == want)
        d += acked == want ? "  (acknowledged)" : "  (waiting for acknowledgements)";
      return d;
    }
    std::string d;
    for (const auto& t : spec["targets"]) {
      const std::string svc = t.value("service", "?");
      auto it = per_target.find(svc);
      d += (d.empty() ? "" : ", ") + svc;
      if (it == per_target.end() || it->second.first != want) continue;
      d += it->second.second == want ? " (acknowledged)" : " (waiting)";
    }
    return d;
  };
  if (has_targets)
    out.push_back({by_phase(reached, idx("DualWriting"), rolled_back), "flags dual-write",
                   flag_detail("dual-write")});

  if (spec.contains("backfill") && spec["backfill"].is_object()) {
    const auto& bf = status.contains("backfill") ? status["backfill"] : json::object();
    const bool complete = bf.value("complete", false);
    State s = complete ? State::kDone : by_phase(reached, idx("Backfilling"), rolled_back);
    out.push_back({s, "backfill " + spec["backfill"].value("table", ""),
                   s == State::kPending ? "" : backfill_bar(p, bf, complete)});
  }

  const bool has_verify = spec.contains("verify") || spec.contains("backfill");
  if (has_verify) {
    State s = by_phase(reached, idx("Verifying"), rolled_back);
    std::string detail;
    if (status.value("verified", false)) s = State::kDone;
    if (!status.value("verifyFailure", "").empty()) {
      s = State::kFailed;
      detail = one_line(status.value("verifyFailure", ""));
    } else if (s == State::kDone) {
      detail = "data verified";
    }
    out.push_back({s, "verify", detail});
  }

  if (has_targets)
    out.push_back({by_phase(reached, idx("ReadSwitching"), rolled_back), "flags read-new",
                   flag_detail("read-new")});

  const auto contract_done = steps.value("contractDone", 0);
  const std::string approval =
      spec.contains("contract") ? spec["contract"].value("approval", "Manual") : "Manual";
  for (std::size_t i = 0; i < list_size(spec, "contract"); ++i) {
    State s = static_cast<int>(i) < contract_done                              ? State::kDone
              : phase == "Contracting" && static_cast<int>(i) == contract_done ? State::kRunning
              : phase == "AwaitingContract" && i == 0                          ? State::kWaiting
              : rolled_back                                                    ? State::kSkipped
                                                                               : State::kPending;
    std::string detail = one_line(sql_at(spec, "contract", i));
    if (s == State::kWaiting) {
      detail += approval == "Manual" && !approved
                    ? "  (awaiting approval: kubectl schemashift approve)"
                    : "  (awaiting evidence that old readers are gone)";
    }
    out.push_back({s, "contract[" + std::to_string(i) + "]", detail});
  }

  if (rolled_back) {
    const auto rollback_done = steps.value("rollbackDone", 0);
    for (std::size_t i = 0; i < list_size(spec, "rollback"); ++i) {
      State s = static_cast<int>(i) < rollback_done ? State::kDone
                : phase == "RollingBack"
                    ? (static_cast<int>(i) == rollback_done ? State::kRunning : State::kPending)
                : phase == "Failed" ? State::kFailed
                                    : State::kSkipped;
      out.push_back(
          {s, "rollback[" + std::to_string(i) + "]", one_line(sql_at(spec, "rollback", i))});
    }
  }
  return out;
}

std::string gate_provider(const json& spec, const std::string& name) {
  if (!spec.contains("gates") || !spec["gates"].is_array()) return "";
  for (const auto& g : spec["gates"])
    if (g.value("name", "") == name) return g.value("provider", "");
  return "";
}

std::string event_time(const json& e) {
  for (const char* k : {"/series/lastObservedTime", "/eventTime", "/deprecatedLastTimestamp",
                        "/lastTimestamp", "/metadata/creationTimestamp"}) {
    const json::json_pointer ptr(k);
    if (e.contains(ptr) && e[ptr].is_string()) return e[ptr].get<std::string>();
  }
  return "";
}

std::string pad(std::string s, std::size_t width) {
  // Width in code points, without colour codes, so symbols and box drawing line up.
  std::size_t cps = 0;
  bool escape = false;
  for (unsigned char c : s) {
    if (escape) {
      escape = c != 'm';
      continue;
    }
    if (c == '\033') {
      escape = true;
      continue;
    }
    cps += (c & 0xC0) != 0x80;
  }
  if (cps < width) s.append(width - cps, ' ');
  return s;
}

}  // namespace

std::string human_duration(std::chrono::seconds d) {
  auto s = std::max<std::int64_t>(0, d.count());
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) {
    const auto m = s / 60, r = s % 60;
    return std::to_string(m) + "m" + (r && m < 10 ? std::to_string(r) + "s" : "");
  }
  if (s < 86400) {
    const auto h = s / 3600, m = (s % 3600) / 60;
    return std::to_string(h) + "h" + (m && h < 10 ? std::to_string(m) + "m" : "");
  }
  return std::to_string(s / 86400) + "d";
}

std::string with_thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::vector<StepSummary> migration_steps(const json& m) {
  const ViewStyle plain{.color = false, .unicode = false};
  const Paint p{plain};
  const json& spec = m.contains("spec") && m["spec"].is_object() ? m["spec"] : json::object();
  const json& status =
      m.contains("status") && m["status"].is_object() ? m["status"] : json::object();
  const bool approved =
      spec.value("approve", false) || annotation_true(m, "schemashift.io/approve");
  std::vector<StepSummary> out;
  for (const auto& s : steps_of(p, spec, status, approved)) {
    const char* state = "pending";
    switch (s.state) {
      case State::kDone:
        state = "done";
        break;
      case State::kRunning:
        state = "running";
        break;
      case State::kWaiting:
        state = "waiting";
        break;
      case State::kPending:
        state = "pending";
        break;
      case State::kFailed:
        state = "failed";
        break;
      case State::kSkipped:
        state = "skipped";
        break;
    }
    out.push_back({state, s.name, s.detail});
  }
  return out;
}

std::string render_migration(const json& m, const json& events, const ViewStyle& style,
                             Clock::time_point now) {
  const Paint p{style};
  const json& meta = m.contains("metadata") ? m["metadata"] : json::object();
  const json& spec = m.contains("spec") && m["spec"].is_object() ? m["spec"] : json::object();
  const json& status =
      m.contains("status") && m["status"].is_object() ? m["status"] : json::object();
  const std::string phase = status.value("phase", "Pending");
  const bool paused = spec.value("paused", false) || annotation_true(m, "schemashift.io/paused");

  std::ostringstream out;
  out << pad("Name:", 14) << meta.value("name", "") << "\n";
  out << pad("Namespace:", 14) << meta.value("namespace", "") << "\n";
  out << pad("Status:", 14) << phase_label(p, phase, paused) << "\n";
  std::string message;
  if (status.contains("conditions") && status["conditions"].is_array()) {
    for (const auto& c : status["conditions"])
      if (c.value("type", "") == "Ready") message = c.value("message", "");
  }
  if (!message.empty()) out << pad("Message:", 14) << one_line(message, 110) << "\n";
  if (!status.value("rollbackReason", "").empty())
    out << pad("Rolled back:", 14) << p.yellow(one_line(status.value("rollbackReason", ""), 110))
        << "\n";
  if (status.contains("lastError") && !status["lastError"].value("message", "").empty())
    out << pad("Last error:", 14) << p.red(one_line(status["lastError"].value("message", ""), 110))
        << "\n";
  if (meta.contains("creationTimestamp"))
    out << pad("Age:", 14) << age_of(meta.value("creationTimestamp", ""), now) << "\n";
  if (!status.contains("phase")) {
    out << "\n" << p.dim("not reconciled yet: no operator has written its status") << "\n";
  }

  out << "\n" << p.bold("STEPS") << "\n";
  const bool approved =
      spec.value("approve", false) || annotation_true(m, "schemashift.io/approve");
  const auto steps = steps_of(p, spec, status, approved);
  std::size_t name_width = 0;
  for (const auto& s : steps) name_width = std::max(name_width, s.name.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    out << p.branch(i + 1 == steps.size()) << p.symbol(s.state) << " "
        << (s.detail.empty() ? s.name : pad(s.name, name_width) + "  " + s.detail) << "\n";
  }

  if (status.contains("gates") && status["gates"].is_array() && !status["gates"].empty()) {
    out << "\n" << p.bold("GATES") << "\n";
    for (const auto& g : status["gates"]) {
      const std::string gphase = g.value("phase", "Pending");
      std::string shown = gphase;
      if (gphase == "Failed" || gphase == "Error")
        shown = p.red(gphase);
      else if (gphase == "Successful" || gphase == "Running")
        shown = p.green(gphase);
      else if (gphase == "Inconclusive" || g.value("tripped", false))
        shown = p.yellow(gphase);
      out << "  " << pad(g.value("name", ""), 18) << " "
          << pad(gate_provider(spec, g.value("name", "")), 20) << " " << pad(shown, 12);
      if (g.contains("lastValue") && g["lastValue"].is_number())
        out << "  value " << fixed(g["lastValue"].get<double>(), 3);
      if (!g.value("lastDetail", "").empty())
        out << "  " << one_line(g.value("lastDetail", ""), 60);
      out << "\n";
    }
  }

  if (status.contains("targets") && status["targets"].is_array() && !status["targets"].empty()) {
    out << "\n" << p.bold("TARGETS") << "\n";
    for (const auto& t : status["targets"]) {
      const std::string mode = t.value("mode", "-"), acked = t.value("acknowledged", "");
      out << "  " << pad(t.value("service", ""), 18) << " " << pad(mode, 11) << " "
          << pad(acked == mode ? p.green("acknowledged") : p.yellow("waiting"), 12);
      if (!t.value("barrier", "").empty()) out << "  " << one_line(t.value("barrier", ""), 70);
      out << "\n";
    }
  }
  if (status.contains("api") && status["api"].is_object()) {
    const auto& api = status["api"];
    out << "\n" << p.bold("API") << "  " << api.value("oldVersion", "") << " calls by client";
    if (!api.value("silentSince", "").empty())
      out << "; none since " << api.value("silentSince", "");
    out << "\n";
    for (const auto& c : api.value("clients", json::array()))
      out << "  " << pad(c.value("client", ""), 18) << " " << c.value("requests", 0)
          << " requests, last " << c.value("lastSeen", "") << "\n";
  }
  if (status.contains("events") && status["events"].is_object()) {
    const auto& ev = status["events"];
    out << "\n"
        << p.bold("EVENTS") << "  subject " << ev.value("subject", "") << " ("
        << ev.value("compatibility", "?") << ")";
    if (ev.contains("schemaId")) out << ", schema id " << ev.value("schemaId", 0);
    if (ev.contains("contractSchemaId"))
      out << ", contract schema id " << ev.value("contractSchemaId", 0);
    if (!ev.value("contractRefused", "").empty())
      out << "\n  " << p.red("contract schema refused") << ": "
          << one_line(ev.value("contractRefused", ""), 100);
    out << "\n";
  }

  if (status.contains("conditions") && status["conditions"].is_array() &&
      !status["conditions"].empty()) {
    out << "\n" << p.bold("CONDITIONS") << "\n";
    for (const auto& c : status["conditions"]) {
      const std::string st = c.value("status", "Unknown");
      out << "  " << pad(c.value("type", ""), 18) << " "
          << pad(st == "True"    ? p.green(st)
                 : st == "False" ? p.dim(st)
                                 : p.yellow(st),
                 8)
          << " " << pad(c.value("reason", ""), 20) << " " << one_line(c.value("message", ""), 80)
          << "\n";
    }
  }

  std::vector<json> evs;
  const json& items = events.is_object() && events.contains("items") ? events["items"] : events;
  if (items.is_array())
    for (const auto& e : items) evs.push_back(e);
  std::stable_sort(evs.begin(), evs.end(), [](const json& a, const json& b) {
    return parse_rfc3339(event_time(a)).value_or(Clock::time_point{}) <
           parse_rfc3339(event_time(b)).value_or(Clock::time_point{});
  });
  if (!evs.empty()) {
    out << "\n" << p.bold("EVENTS") << "\n";
    const std::size_t from = evs.size() > style.max_events ? evs.size() - style.max_events : 0;
    for (std::size_t i = from; i < evs.size(); ++i) {
      const auto& e = evs[i];
      const std::string type = e.value("type", "Normal");
      const std::string note = e.contains("note") ? e.value("note", "") : e.value("message", "");
      out << "  " << pad(age_of(event_time(e), now), 6) << " "
          << pad(type == "Warning" ? p.yellow(type) : type, 8) << " "
          << pad(e.value("reason", ""), 20) << " " << one_line(note, 90) << "\n";
    }
  }
  return out.str();
}

std::string render_list(const json& list, bool all_namespaces, const ViewStyle& style,
                        Clock::time_point now) {
  const Paint p{style};
  struct Row {
    std::vector<std::string> cells;
  };
  std::vector<Row> rows;
  std::vector<std::string> header = {"NAME", "PHASE", "PROGRESS", "GATES", "READY", "AGE"};
  if (all_namespaces) header.insert(header.begin(), "NAMESPACE");
  const json& items = list.is_object() && list.contains("items") ? list["items"] : list;
  if (items.is_array()) {
    for (const auto& m : items) {
      const json& meta = m.value("metadata", json::object());
      const json& status = m.value("status", json::object());
      std::string ready = "Unknown";
      if (status.contains("conditions") && status["conditions"].is_array()) {
        for (const auto& c : status["conditions"])
          if (c.value("type", "") == "Ready") ready = c.value("status", "Unknown");
      }
      int passing = 0, total = 0;
      if (status.contains("gates") && status["gates"].is_array()) {
        for (const auto& g : status["gates"]) {
          ++total;
          const auto gp = g.value("phase", "");
          passing +=
              gp != "Failed" && gp != "Error" && gp != "Inconclusive" && !g.value("tripped", false);
        }
      }
      std::string progress = status.contains("backfill")
                                 ? status["backfill"].value("progress", std::string())
                                 : std::string();
      Row r{{meta.value("name", ""), status.value("phase", "Pending"),
             progress.empty() ? "-" : progress,
             total ? std::to_string(passing) + "/" + std::to_string(total) : "-", ready,
             age_of(meta.value("creationTimestamp", ""), now)}};
      if (all_namespaces) r.cells.insert(r.cells.begin(), meta.value("namespace", ""));
      rows.push_back(std::move(r));
    }
  }
  if (rows.empty()) return "No SchemaMigrations found.\n";
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r.cells[c].size());
  }
  std::ostringstream out;
  for (std::size_t c = 0; c < header.size(); ++c)
    out << (c ? "   " : "") << (c + 1 < header.size() ? pad(header[c], width[c]) : header[c]);
  out << "\n";
  const std::size_t phase_col = all_namespaces ? 2 : 1;
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < header.size(); ++c) {
      std::string cell = c + 1 < header.size() ? pad(r.cells[c], width[c]) : r.cells[c];
      if (c == phase_col) {
        const auto& ph = r.cells[c];
        cell = ph == "Completed"                           ? p.green(cell)
               : ph == "Failed"                            ? p.red(cell)
               : ph == "RolledBack" || ph == "RollingBack" ? p.yellow(cell)
                                                           : cell;
      }
      out << (c ? "   " : "") << cell;
    }
    out << "\n";
  }
  return out.str();
}

std::string render_history(const json& m, const ViewStyle& style, Clock::time_point now) {
  const Paint p{style};
  const json& status = m.value("status", json::object());
  const json& history = status.value("history", json::array());
  if (!history.is_array() || history.empty()) return "No transitions recorded yet.\n";
  std::ostringstream out;
  out << pad("AT", 22) << pad("PHASE", 18) << pad("FOR", 8) << "REASON\n";
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& h = history[i];
    const auto at = parse_rfc3339(h.value("at", ""));
    std::string spent = "-";
    if (at) {
      Clock::time_point until = now;
      if (i + 1 < history.size()) {
        if (auto next = parse_rfc3339(history[i + 1].value("at", ""))) until = *next;
      }
      spent = human_duration(std::chrono::duration_cast<std::chrono::seconds>(until - *at));
      if (i + 1 == history.size() &&
          (h.value("phase", "") == "Completed" || h.value("phase", "") == "RolledBack" ||
           h.value("phase", "") == "Failed")) {
        spent = "-";
      }
    }
    out << pad(h.value("at", ""), 22) << pad(p.bold(h.value("phase", "")), 18) << pad(spent, 8)
        << one_line(h.value("reason", ""), 90) << "\n";
  }
  return out.str();
}

}  // namespace schemashift::cli
