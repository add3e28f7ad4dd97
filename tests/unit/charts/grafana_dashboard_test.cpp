// The chart's Grafana dashboard: it loads (the fields Grafana requires are there) and every
// metric it queries is one the operator exposes, so no panel stays empty after a rename; and
// every per-migration metric has a panel.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controller/migration_metrics.h"
#include "runtime/manager.h"

namespace {

using namespace schemashift;
using nlohmann::json;

json dashboard() {
  std::ifstream in(std::string(SCHEMASHIFT_SOURCE_DIR) +
                   "/charts/schemashift/dashboards/schemashift-migrations.json");
  EXPECT_TRUE(in) << "charts/schemashift/dashboards/schemashift-migrations.json is missing";
  return json::parse(in);
}

// Every PromQL expression in the dashboard: panel targets and template variables.
std::vector<std::string> queries(const json& d) {
  std::vector<std::string> out;
  for (const auto& p : d["panels"]) {
    for (const auto& t : p.value("targets", json::array())) out.push_back(t.value("expr", ""));
  }
  for (const auto& v : d["templating"]["list"]) {
    if (v.value("type", "") == "query") out.push_back(v["query"].value("query", ""));
  }
  return out;
}

// The metric names a query reads: identifiers followed by a selector or range, or standing
// alone, that are not PromQL functions, keywords or label names.
std::set<std::string> metric_names(const std::string& expr) {
  static const std::set<std::string> promql = {"sum",
                                               "by",
                                               "without",
                                               "rate",
                                               "increase",
                                               "max",
                                               "min",
                                               "avg",
                                               "count",
                                               "clamp_min",
                                               "histogram_quantile",
                                               "label_values",
                                               "le",
                                               "on",
                                               "ignoring",
                                               "and",
                                               "or",
                                               "unless",
                                               "bool"};
  // Strip label matchers and grouping clauses, whose contents are label names and values.
  std::string s = std::regex_replace(expr, std::regex(R"(\{[^}]*\})"), " ");
  s = std::regex_replace(s, std::regex(R"(\b(by|without)\s*\([^)]*\))"), " ");
  s = std::regex_replace(s, std::regex(R"(,\s*[a-z_]+\s*\))"), ")");  // label_values(m, label)
  s = std::regex_replace(s, std::regex(R"(\[[^\]]*\])"), " ");
  std::set<std::string> out;
  const std::regex ident(R"([a-zA-Z_:][a-zA-Z0-9_:]*)");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), ident); it != std::sregex_iterator();
       ++it) {
    const std::string name = it->str();
    if (!promql.count(name)) out.insert(name);
  }
  return out;
}

// The families the operator exposes (# TYPE lines), histograms with their _bucket, _sum and
// _count series: the registry of a Manager with a migration observed, as /metrics renders it.
std::set<std::string> exposed() {
  runtime::Manager manager(kube::Client(nullptr), {});
  controller::MigrationMetrics metrics(manager.metrics());
  // A gate and a target, or their families have no series and prometheus-cpp renders nothing.
  migration::MigrationSpec spec;
  spec.gates.emplace_back().name = "replica-lag";
  spec.targets.emplace_back().service = "orders";
  migration::MigrationStatus status;
  metrics.observe("shop", "add-email", spec, status);
  manager.metrics().gauge_func("schemashift_informer_cached_objects", "as Manager::watch adds it",
                               {{"resource", "schemamigrations"}}, [] { return 1.0; });
  std::set<std::string> out;
  std::istringstream text(manager.metrics().render());
  for (std::string line; std::getline(text, line);) {
    std::istringstream words(line);
    std::string hash, kind, name, type;
    words >> hash >> kind >> name >> type;
    if (hash != "#" || kind != "TYPE") continue;
    out.insert(name);
    if (type == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) out.insert(name + suffix);
    }
  }
  return out;
}

TEST(GrafanaDashboard, HasWhatGrafanaRequires) {
  const json d = dashboard();
  EXPECT_TRUE(d.contains("uid") && d["uid"].is_string() && !d["uid"].get<std::string>().empty());
  EXPECT_LE(d["uid"].get<std::string>().size(), 40u);  // Grafana's limit on a uid
  EXPECT_TRUE(d.contains("title") && d["title"].is_string());
  EXPECT_TRUE(d.contains("schemaVersion") && d["schemaVersion"].is_number_integer());
  ASSERT_TRUE(d.contains("panels") && d["panels"].is_array() && !d["panels"].empty());
  std::set<int> ids;
  for (const auto& p : d["panels"]) {
    const std::string title = p.value("title", "");
    EXPECT_FALSE(title.empty());
    EXPECT_TRUE(p.contains("type") && p.contains("gridPos")) << title;
    EXPECT_TRUE(ids.insert(p.value("id", 0)).second) << "panel id repeated: " << title;
    if (p["type"] == "row") continue;
    ASSERT_TRUE(p.contains("targets") && !p["targets"].empty()) << title;
    for (const auto& t : p["targets"]) {
      EXPECT_FALSE(t.value("expr", "").empty()) << title;
      EXPECT_FALSE(t.value("refId", "").empty()) << title;
    }
  }
}

TEST(GrafanaDashboard, QueriesOnlyMetricsTheOperatorExposes) {
  const auto have = exposed();
  for (const auto& q : queries(dashboard())) {
    const auto names = metric_names(q);
    EXPECT_FALSE(names.empty()) << "no metric in " << q;
    for (const auto& name : names) EXPECT_TRUE(have.count(name)) << name << " in " << q;
  }
}

TEST(GrafanaDashboard, EveryMigrationMetricHasAPanel) {
  std::set<std::string> queried;
  for (const auto& q : queries(dashboard())) {
    for (const auto& n : metric_names(q)) queried.insert(n);
  }
  for (const auto& name : exposed()) {
    if (name.rfind("schemashift_migration_", 0) == 0) {
      EXPECT_TRUE(queried.count(name)) << name;
    }
  }
}

TEST(GrafanaDashboard, MetricNamesAreReadFromQueries) {
  EXPECT_EQ(metric_names("sum by (le) (rate(a_bucket{x=\"y\"}[5m])) / clamp_min(b, 1)"),
            (std::set<std::string>{"a_bucket", "b"}));
  EXPECT_EQ(metric_names("label_values(m{namespace=~\"$namespace\"}, name)"),
            (std::set<std::string>{"m"}));
}

}  // namespace
