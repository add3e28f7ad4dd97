// Reading Prometheus text exposition (what the services serve on /metrics) and the two
// computations SLO gates need between two scrapes: a ratio of counter increases (errors over
// requests) and a quantile from histogram bucket increases, as PromQL's histogram_quantile
// does (linear interpolation inside the bucket). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace schemashift::gates {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses the text format; lines that are comments or malformed are skipped.
std::vector<Sample> parse_prometheus_text(const std::string& text);

// A selector: a metric name and label matchers, `name{a="x",b=~"5.."}` (= and =~ only).
struct Selector {
  std::string name;
  std::vector<std::tuple<std::string, bool, std::string>> matchers;  // label, is_regex, value
  static std::optional<Selector> parse(const std::string& s);
  bool matches(const Sample& s) const;
};

// Sum of the matching samples' values.
double sum(const std::vector<Sample>& samples, const Selector& sel);

// Increase of sum(counter) between the scrapes (a restarted counter counts from zero).
double increase_between(const std::vector<Sample>& before, const std::vector<Sample>& after,
                        const Selector& counter);

// Increase of sum(numerator) over increase of sum(denominator) between `before` and `after`;
// nullopt when the denominator did not increase (no traffic: no data).
std::optional<double> ratio_between(const std::vector<Sample>& before,
                                    const std::vector<Sample>& after, const Selector& numerator,
                                    const Selector& denominator);

// The q-quantile of `histogram` (its _bucket series, label filters from the selector) over the
// observations made between the scrapes; nullopt when there were none.
std::optional<double> quantile_between(const std::vector<Sample>& before,
                                       const std::vector<Sample>& after, const Selector& histogram,
                                       double q);

}  // namespace schemashift::gates
