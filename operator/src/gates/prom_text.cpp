#include "gates/prom_text.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <sstream>

namespace schemashift::gates {

namespace {

// Reads `{a="x",b="y"}` starting at text[i] == '{'; advances i past '}'.
bool read_labels(const std::string& t, std::size_t& i, std::map<std::string, std::string>& out) {
  ++i;
  while (i < t.size() && t[i] != '}') {
    while (i < t.size() && (t[i] == ',' || t[i] == ' ')) ++i;
    if (i < t.size() && t[i] == '}') break;
    const auto eq = t.find('=', i);
    if (eq == std::string::npos || eq + 1 >= t.size() || t[eq + 1] != '"') return false;
    std::string key = t.substr(i, eq - i), value;
    i = eq + 2;
    while (i < t.size() && t[i] != '"') {
      if (t[i] == '\\' && i + 1 < t.size()) {
        ++i;
        value.push_back(t[i] == 'n' ? '\n' : t[i]);
      } else {
        value.push_back(t[i]);
      }
      ++i;
    }
    if (i >= t.size()) return false;
    ++i;  // closing quote
    out[key] = value;
  }
  if (i >= t.size()) return false;
  ++i;
  return true;
}

double parse_value(const std::string& s) {
  if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  return std::stod(s);
}

}  // namespace

std::vector<Sample> parse_prometheus_text(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{' && !read_labels(line, i, s.labels)) continue;
    while (i < line.size() && line[i] == ' ') ++i;
    const auto end = line.find(' ', i);
    try {
      s.value = parse_value(line.substr(i, end == std::string::npos ? std::string::npos : end - i));
    } catch (const std::exception&) {
      continue;
    }
    if (!s.name.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::optional<Selector> Selector::parse(const std::string& s) {
  Selector sel;
  const auto brace = s.find('{');
  sel.name = s.substr(0, brace);
  if (sel.name.empty()) return std::nullopt;
  if (brace == std::string::npos) return sel;
  static const std::regex kMatcher(
      R"re(\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"\s*,?)re");
  std::string rest = s.substr(brace + 1);
  if (rest.empty() || rest.back() != '}') return std::nullopt;
  rest.pop_back();
  std::smatch m;
  while (!rest.empty() && std::regex_search(rest, m, kMatcher) && m.position(0) == 0) {
    sel.matchers.emplace_back(m[1].str(), m[2].str() == "=~", m[3].str());
    rest = m.suffix();
  }
  if (rest.find_first_not_of(" ") != std::string::npos) return std::nullopt;
  return sel;
}

bool Selector::matches(const Sample& s) const {
  if (s.name != name) return false;
  for (const auto& [label, is_regex, value] : matchers) {
    auto it = s.labels.find(label);
    const std::string v = it == s.labels.end() ? std::string() : it->second;
    if (is_regex ? !std::regex_match(v, std::regex(value)) : v != value) return false;
  }
  return true;
}

double sum(const std::vector<Sample>& samples, const Selector& sel) {
  double total = 0;
  for (const auto& s : samples) {
    if (sel.matches(s)) total += s.value;
  }
  return total;
}

double increase_between(const std::vector<Sample>& before, const std::vector<Sample>& after,
                        const Selector& counter) {
  const double a = sum(after, counter), b = sum(before, counter);
  return a >= b ? a - b : a;  // a smaller sum means the counter restarted from zero
}

std::optional<double> ratio_between(const std::vector<Sample>& before,
                                    const std::vector<Sample>& after, const Selector& numerator,
                                    const Selector& denominator) {
  const double d = sum(after, denominator) - sum(before, denominator);
  if (d <= 0) return std::nullopt;
  return std::max(0.0, sum(after, numerator) - sum(before, numerator)) / d;
}

std::optional<double> quantile_between(const std::vector<Sample>& before,
                                       const std::vector<Sample>& after, const Selector& histogram,
                                       double q) {
  Selector buckets = histogram;
  buckets.name += "_bucket";
  std::map<double, double> increase;  // le -> cumulative count increase
  for (const auto& s : after) {
    if (!buckets.matches(s) || !s.labels.count("le")) continue;
    increase[parse_value(s.labels.at("le"))] += s.value;
  }
  for (const auto& s : before) {
    if (!buckets.matches(s) || !s.labels.count("le")) continue;
    increase[parse_value(s.labels.at("le"))] -= s.value;
  }
  if (increase.empty()) return std::nullopt;
  const double total = increase.rbegin()->second;  // the +Inf bucket
  if (total <= 0) return std::nullopt;
  const double rank = q * total;
  double prev_le = 0, prev_count = 0;
  for (const auto& [le, count] : increase) {
    if (count >= rank) {
      if (std::isinf(le)) return prev_le;  // beyond the last finite bucket: its upper bound
      const double in_bucket = count - prev_count;
      if (in_bucket <= 0) return le;
      return prev_le + (le - prev_le) * (rank - prev_count) / in_bucket;
    }
    prev_le = le;
    prev_count = count;
  }
  return prev_le;
}

}  // namespace schemashift::gates
