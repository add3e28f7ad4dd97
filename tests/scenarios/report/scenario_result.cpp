// Reads result.json field by field so that a bad file is refused with the field's path.
#include "scenario_result.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <utility>

namespace schemashift::scenarios::report {

ResultFileError::ResultFileError(std::string file, std::string field, std::string why)
    : std::runtime_error(file + ": " + (field.empty() ? "" : field + ": ") + why),
      file_(std::move(file)),
      field_(std::move(field)) {}

namespace {

// A cursor on one JSON object that knows its path in the document.
class Fields {
 public:
  Fields(const nlohmann::json& node, std::string path, const std::string& file)
      : node_(node), path_(std::move(path)), file_(file) {}

  Fields object(const std::string& key) const {
    const auto& v = at(key, nlohmann::json::value_t::object, "an object");
    return Fields(v, name(key), file_);
  }
  bool has(const std::string& key) const { return node_.contains(key); }
  std::vector<Fields> array(const std::string& key) const {
    const auto& v = at(key, nlohmann::json::value_t::array, "an array");
    std::vector<Fields> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string item = name(key) + "[" + std::to_string(i) + "]";
      if (!v[i].is_object()) throw ResultFileError(file_, item, "must be an object");
      out.emplace_back(v[i], item, file_);
    }
    return out;
  }
  double number(const std::string& key) const {
    const auto& v = present(key);
    if (!v.is_number()) throw ResultFileError(file_, name(key), "must be a number");
    return v.get<double>();
  }
  std::int64_t count(const std::string& key) const {
    const auto& v = present(key);
    if (!v.is_number_integer() && !v.is_number_unsigned())
      throw ResultFileError(file_, name(key), "must be a whole number");
    const auto n = v.get<std::int64_t>();
    if (n < 0) throw ResultFileError(file_, name(key), "must not be negative");
    return n;
  }
  std::string text(const std::string& key) const {
    const auto& v = present(key);
    if (!v.is_string()) throw ResultFileError(file_, name(key), "must be a string");
    return v.get<std::string>();
  }
  const std::string& path() const { return path_; }

 private:
  std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const nlohmann::json& present(const std::string& key) const {
    if (!node_.contains(key)) throw ResultFileError(file_, name(key), "missing");
    return node_.at(key);
  }
  const nlohmann::json& at(const std::string& key, nlohmann::json::value_t type,
                           const char* what) const {
    const auto& v = present(key);
    if (v.type() != type) throw ResultFileError(file_, name(key), std::string("must be ") + what);
    return v;
  }

  const nlohmann::json& node_;
  std::string path_;
  const std::string& file_;
};

RowTally read_rows(const Fields& f) {
  return {f.count("checked"), f.count("lost"), f.count("wrong")};
}

EventTally read_events(const Fields& f) {
  return {f.count("produced"), f.count("lost"), f.count("duplicated"), f.count("misread"),
          f.count("dead_lettered")};
}

RunResult read_run(const Fields& f, const std::filesystem::path& dir) {
  RunResult run;
  run.outcome = f.text("outcome");
  run.duration_s = f.number("duration_s");
  run.change_at_s = f.number("change_at_s");
  for (const auto& p : f.array("phases")) run.phases.push_back({p.text("phase"), p.number("at_s")});
  const auto by_version = f.object("errors_by_version");
  run.errors_v1 = by_version.count("v1");
  run.errors_v2 = by_version.count("v2");
  const auto load = f.object("load");
  for (const auto& c : load.array("clients")) {
    run.clients.push_back({c.text("client"), c.count("errors"), c.count("wrong")});
    run.wrong += run.clients.back().wrong;
  }
  run.longest_write_stall_ms = load.number("longest_write_stall_ms");
  const auto writes = load.object("writes");
  run.writes = {writes.number("p99_ms"), writes.number("p999_ms"), writes.number("max_ms")};
  run.rows = read_rows(f.object("rows"));
  run.events = read_events(f.object("events"));
  const std::filesystem::path csv = f.text("series_csv");
  run.series_csv = csv.is_absolute() ? csv : dir / csv;
  return run;
}

}  // namespace

ScenarioResult parse_scenario_result(const nlohmann::json& doc, const std::filesystem::path& dir,
                                     const std::string& file) {
  if (!doc.is_object()) throw ResultFileError(file, "", "must hold a JSON object");
  const Fields top(doc, "", file);
  ScenarioResult r;
  r.dir = dir;
  r.scenario = static_cast<int>(top.count("scenario"));
  r.slug = top.text("slug");
  r.title = top.text("title");
  r.size = top.text("size");
  const auto runs = top.object("runs");
  r.safe = read_run(runs.object("safe"), dir);
  r.naive = read_run(runs.object("naive"), dir);
  if (top.has("fault")) {
    const auto fault = top.object("fault");
    r.fault = FaultResult{fault.text("outcome"), fault.number("breach_to_rolled_back_s"),
                          read_rows(fault.object("rows"))};
  }
  return r;
}

ScenarioResult read_scenario_result(const std::filesystem::path& dir) {
  const auto path = dir / "result.json";
  const std::string file = path.string();
  std::ifstream in(path);
  if (!in) throw ResultFileError(file, "", "cannot be read (missing?)");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw ResultFileError(file, "", std::string("is not JSON: ") + e.what());
  }
  return parse_scenario_result(doc, dir, file);
}

std::vector<ScenarioResult> read_scenario_results(const std::filesystem::path& root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    throw ResultFileError(root.string(), "", "is not a directory (run the scenarios first)");
  std::vector<std::filesystem::path> dirs;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    const auto name = entry.path().filename().string();
    if (!entry.is_directory() || name.empty() ||
        !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    dirs.push_back(entry.path());
  }
  if (dirs.empty())
    throw ResultFileError(root.string(), "", "holds no NN/result.json (run the scenarios first)");
  std::vector<ScenarioResult> out;
  for (const auto& d : dirs) out.push_back(read_scenario_result(d));
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.scenario < b.scenario; });
  return out;
}

}  // namespace schemashift::scenarios::report
