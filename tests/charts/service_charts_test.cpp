// The three service charts (customers, orders, fulfillment) without a cluster: `helm lint`
// clean, and what `helm template` renders is what the contract in docs/services.md says —
// the app.kubernetes.io labels, restricted pod security, the probes, the ports, the
// environment, replicas and resources from values, the database Secret, the helm test pod —
// and values.schema.json refuses bad values naming the field. The charts' library
// dependency is packed by the charts.service_lib_dependency fixture (hack/services.sh deps).
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "charts/chart_render.h"

namespace {

using schemashift::testing::helm_lint;
using schemashift::testing::helm_template;
using schemashift::testing::present;
using schemashift::testing::Rendered;

const std::string kCharts = std::string(SCHEMASHIFT_SOURCE_DIR) + "/charts/";

std::string chart(const std::string& service) { return kCharts + service; }

std::string str(const YAML::Node& n) { return n ? n.as<std::string>("") : std::string(); }

// The container's environment variable `name`: a null node when it is not set.
YAML::Node env_var(const YAML::Node& container, const std::string& name) {
  for (const auto& e : container["env"]) {
    if (str(e["name"]) == name) return e;
  }
  return YAML::Node(YAML::NodeType::Null);
}

YAML::Node port_named(const YAML::Node& ports, const std::string& name) {
  for (const auto& p : ports) {
    if (str(p["name"]) == name) return p;
  }
  return YAML::Node(YAML::NodeType::Null);
}

// The restricted Pod Security Standard, as far as a pod spec shows it.
void expect_restricted(const YAML::Node& pod_spec, const std::string& what) {
  SCOPED_TRACE(what);
  const auto& psc = pod_spec["securityContext"];
  EXPECT_TRUE(psc["runAsNonRoot"].as<bool>(false));
  EXPECT_EQ(str(psc["seccompProfile"]["type"]), "RuntimeDefault");
  EXPECT_NE(psc["runAsUser"].as<int>(0), 0);
  for (const char* host : {"hostNetwork", "hostPID", "hostIPC"})
    EXPECT_FALSE(pod_spec[host].as<bool>(false)) << host;
  EXPECT_FALSE(present(pod_spec["volumes"]))
      << "no volumes: nothing is written, nothing is mounted";
  ASSERT_TRUE(pod_spec["containers"].IsSequence());
  for (const auto& c : pod_spec["containers"]) {
    SCOPED_TRACE(str(c["name"]));
    const auto& sc = c["securityContext"];
    EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>(true));
    EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>(false));
    EXPECT_TRUE(sc["runAsNonRoot"].as<bool>(false));
    EXPECT_FALSE(sc["privileged"].as<bool>(false));
    ASSERT_TRUE(sc["capabilities"]["drop"].IsSequence());
    EXPECT_EQ(str(sc["capabilities"]["drop"][0]), "ALL");
    EXPECT_FALSE(present(sc["capabilities"]["add"]));
    EXPECT_EQ(str(sc["seccompProfile"]["type"]), "RuntimeDefault");
  }
}

class ServiceChart : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& service() const { return GetParam(); }
  Rendered render(const std::string& args = {}) const {
    auto r = helm_template(chart(service()), args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r;
  }
  YAML::Node deployment(const Rendered& r) const { return r.find("Deployment", service()); }
  YAML::Node container(const Rendered& r) const {
    return deployment(r)["spec"]["template"]["spec"]["containers"][0];
  }
};

TEST_P(ServiceChart, LintsClean) {
  for (const std::string& values :
       {std::string(), std::string("--set database.dsn=postgresql://u:p@db:5432/x"),
        std::string("--set database.existingSecret=shop-db --set replicaCount=3")}) {
    auto lint = helm_lint(chart(service()), values);
    EXPECT_EQ(lint.exit_code, 0) << values << "\n" << lint.output;
    EXPECT_EQ(lint.output.find("[WARNING]"), std::string::npos) << lint.output;
    EXPECT_EQ(lint.output.find("[ERROR]"), std::string::npos) << lint.output;
    EXPECT_NE(lint.output.find("1 chart(s) linted, 0 chart(s) failed"), std::string::npos)
        << lint.output;
  }
}

TEST_P(ServiceChart, EveryObjectCarriesTheRecommendedLabels) {
  auto r = render();
  ASSERT_FALSE(r.objects.empty()) << r.output;
  auto pod_labels = deployment(r)["spec"]["template"]["metadata"]["labels"];
  std::vector<std::pair<std::string, YAML::Node>> labelled;
  for (const auto& o : r.objects) labelled.emplace_back(str(o["kind"]), o["metadata"]["labels"]);
  labelled.emplace_back("pod template", pod_labels);
  for (const auto& [what, labels] : labelled) {
    SCOPED_TRACE(what);
    EXPECT_EQ(str(labels["app.kubernetes.io/name"]), service());
    EXPECT_EQ(str(labels["app.kubernetes.io/instance"]), service());
    EXPECT_EQ(str(labels["app.kubernetes.io/version"]), "0.1.0");
    EXPECT_EQ(str(labels["app.kubernetes.io/part-of"]), "shop");
    EXPECT_EQ(str(labels["app.kubernetes.io/managed-by"]), "Helm");
    EXPECT_FALSE(str(labels["app.kubernetes.io/component"]).empty());
    EXPECT_EQ(str(labels["helm.sh/chart"]), service() + "-0.1.0");
  }
  // The Deployment's selector and the Service's select exactly the pod template's labels.
  for (const auto& selector : {deployment(r)["spec"]["selector"]["matchLabels"],
                               r.find("Service", service())["spec"]["selector"]}) {
    ASSERT_TRUE(selector.IsMap());
    EXPECT_EQ(selector.size(), 2u);
    for (const auto& kv : selector)
      EXPECT_EQ(str(pod_labels[kv.first.as<std::string>()]), str(kv.second))
          << kv.first.as<std::string>();
  }
}

TEST_P(ServiceChart, PodsAreRestrictedAndTheTestPodToo) {
  auto r = render();
  auto spec = deployment(r)["spec"]["template"]["spec"];
  expect_restricted(spec, "deployment");
  EXPECT_FALSE(spec["automountServiceAccountToken"].as<bool>(true));
  EXPECT_FALSE(spec["enableServiceLinks"].as<bool>(true))
      << "a Service called metrics would inject METRICS_PORT=tcp://...";
  auto test_pod = r.find("Pod", service() + "-test-readyz");
  ASSERT_TRUE(present(test_pod)) << r.output;
  expect_restricted(test_pod["spec"], "helm test pod");
}

TEST_P(ServiceChart, ProbesPortsAndTheService) {
  auto r = render();
  auto c = container(r);
  EXPECT_EQ(str(c["readinessProbe"]["httpGet"]["path"]), "/readyz");
  EXPECT_EQ(str(c["readinessProbe"]["httpGet"]["port"]), "http");
  EXPECT_EQ(str(c["livenessProbe"]["httpGet"]["path"]), "/healthz");
  EXPECT_EQ(str(c["livenessProbe"]["httpGet"]["port"]), "http");
  EXPECT_EQ(str(c["startupProbe"]["httpGet"]["path"]), "/healthz");
  EXPECT_EQ(port_named(c["ports"], "http")["containerPort"].as<int>(0), 8080);
  EXPECT_EQ(port_named(c["ports"], "metrics")["containerPort"].as<int>(0), 9090);
  auto svc = r.find("Service", service());
  ASSERT_TRUE(present(svc)) << r.output;
  EXPECT_EQ(str(svc["spec"]["type"]), "ClusterIP");
  EXPECT_EQ(port_named(svc["spec"]["ports"], "http")["port"].as<int>(0), 8080);
  EXPECT_EQ(str(port_named(svc["spec"]["ports"], "http")["targetPort"]), "http");
  EXPECT_EQ(port_named(svc["spec"]["ports"], "metrics")["port"].as<int>(0), 9090);
  EXPECT_EQ(str(port_named(svc["spec"]["ports"], "metrics")["targetPort"]), "metrics");
  // The pods say where Prometheus finds their metrics.
  auto ann = deployment(r)["spec"]["template"]["metadata"]["annotations"];
  EXPECT_EQ(str(ann["prometheus.io/port"]), "9090");
  EXPECT_EQ(str(ann["prometheus.io/path"]), "/metrics");
}

TEST_P(ServiceChart, TheContractsEnvironment) {
  auto r = render("--set logLevel=debug");
  auto c = container(r);
  EXPECT_EQ(str(c["image"]), "schemashift.local/" + service() + ":dev");
  EXPECT_EQ(str(c["imagePullPolicy"]), "Never");
  EXPECT_EQ(str(env_var(c, "POD_NAME")["valueFrom"]["fieldRef"]["fieldPath"]), "metadata.name");
  auto dsn = env_var(c, "DATABASE_DSN")["valueFrom"]["secretKeyRef"];
  EXPECT_EQ(str(dsn["name"]), service() + "-db");
  EXPECT_EQ(str(dsn["key"]), "dsn");
  EXPECT_FALSE(present(env_var(c, "DATABASE_DSN")["value"])) << "a DSN never sits in the pod spec";
  EXPECT_EQ(str(env_var(c, "LOG_LEVEL")["value"]), "debug");
  EXPECT_EQ(str(env_var(c, "HTTP_PORT")["value"]), "8080");
  EXPECT_EQ(str(env_var(c, "METRICS_PORT")["value"]), "9090");
  const bool kafka = service() != "customers";
  EXPECT_EQ(present(env_var(c, "KAFKA_BOOTSTRAP")), kafka);
  EXPECT_EQ(present(env_var(c, "SCHEMA_REGISTRY_URL")), kafka);
  if (kafka) {
    EXPECT_EQ(str(env_var(c, "KAFKA_BOOTSTRAP")["value"]), "kafka.schemashift-stack.svc:9092");
    EXPECT_EQ(str(env_var(c, "SCHEMA_REGISTRY_URL")["value"]),
              "http://schema-registry.schemashift-stack.svc:8080/apis/ccompat/v7");
    EXPECT_EQ(str(env_var(c, "ORDERS_TOPIC")["value"]), "orders.order-created");
  }
  EXPECT_EQ(str(env_var(c, "CUSTOMERS_URL")["value"]),
            service() == "fulfillment" ? "http://customers:8080" : "");
  EXPECT_EQ(str(env_var(c, "CONSUMER_GROUP")["value"]),
            service() == "fulfillment" ? "fulfillment" : "");
  // The kubelet's grace outlasts the service's own drain (SHUTDOWN_GRACE_MS + DRAIN_DELAY_MS).
  const int grace_s =
      deployment(r)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as<int>(0);
  const int drain_ms = std::stoi(str(env_var(c, "SHUTDOWN_GRACE_MS")["value"])) +
                       std::stoi(str(env_var(c, "DRAIN_DELAY_MS")["value"]));
  EXPECT_GT(grace_s * 1000, drain_ms);
}

TEST_P(ServiceChart, ReplicasResourcesAndEndpointsFromValues) {
  std::string args =
      "--set replicaCount=3 --set resources.requests.cpu=123m --set "
      "resources.limits.memory=321Mi --set-string podAnnotations.team=shop";
  if (service() != "customers")
    args += " --set kafka.bootstrap=10.0.2.1:39092 --set schemaRegistry.url=http://10.0.2.1:8081/x";
  if (service() == "fulfillment") args += " --set customers.url=http://customers.shop.svc:8080";
  auto r = render(args);
  EXPECT_EQ(deployment(r)["spec"]["replicas"].as<int>(0), 3);
  auto c = container(r);
  EXPECT_EQ(str(c["resources"]["requests"]["cpu"]), "123m");
  EXPECT_EQ(str(c["resources"]["limits"]["memory"]), "321Mi");
  EXPECT_EQ(str(deployment(r)["spec"]["template"]["metadata"]["annotations"]["team"]), "shop");
  if (service() != "customers") {
    EXPECT_EQ(str(env_var(c, "KAFKA_BOOTSTRAP")["value"]), "10.0.2.1:39092");
    EXPECT_EQ(str(env_var(c, "SCHEMA_REGISTRY_URL")["value"]), "http://10.0.2.1:8081/x");
  }
  if (service() == "fulfillment") {
    EXPECT_EQ(str(env_var(c, "CUSTOMERS_URL")["value"]), "http://customers.shop.svc:8080");
  }
  // A rolling update never takes a ready pod away before its replacement is ready.
  EXPECT_EQ(deployment(r)["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"].as<int>(-1), 0);
}

TEST_P(ServiceChart, TheDatabaseSecretIsNamedOrCreated) {
  // No Secret by default: the chart reads <release>-db, which must exist.
  EXPECT_TRUE(render().all("Secret").empty());
  // A DSN in values: the chart's own Secret, and the pod reads it from there.
  auto created = render("--set database.dsn=postgresql://svc:pw@db:5432/" + service());
  auto secret = created.find("Secret", service() + "-db");
  ASSERT_TRUE(present(secret)) << created.output;
  EXPECT_EQ(str(secret["stringData"]["dsn"]), "postgresql://svc:pw@db:5432/" + service());
  EXPECT_EQ(str(env_var(container(created), "DATABASE_DSN")["valueFrom"]["secretKeyRef"]["name"]),
            service() + "-db");
  EXPECT_FALSE(
      str(deployment(created)["spec"]["template"]["metadata"]["annotations"]["checksum/database"])
          .empty())
      << "a changed DSN must roll the pods";
  // An existing Secret and key: nothing created, that Secret read.
  auto named = render("--set database.existingSecret=shared-db --set database.secretKey=url");
  EXPECT_TRUE(named.all("Secret").empty());
  auto ref = env_var(container(named), "DATABASE_DSN")["valueFrom"]["secretKeyRef"];
  EXPECT_EQ(str(ref["name"]), "shared-db");
  EXPECT_EQ(str(ref["key"]), "url");
  // Both at once is a mistake, said so.
  auto both = helm_template(chart(service()),
                            "--set database.existingSecret=a --set database.dsn=postgresql://x/y");
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.output.find("database.existingSecret and database.dsn"), std::string::npos)
      << both.output;
}

TEST_P(ServiceChart, HelmTestCallsReadyzThroughTheService) {
  auto r = render();
  auto pod = r.find("Pod", service() + "-test-readyz");
  ASSERT_TRUE(present(pod)) << r.output;
  EXPECT_EQ(str(pod["metadata"]["annotations"]["helm.sh/hook"]), "test");
  EXPECT_EQ(str(pod["spec"]["restartPolicy"]), "Never");
  auto c = pod["spec"]["containers"][0];
  EXPECT_EQ(str(c["image"]), "schemashift.local/operator:dev");
  EXPECT_EQ(str(c["args"][0]), "--probe=http://" + service() + ".shop.svc:8080/readyz");
}

TEST_P(ServiceChart, BadValuesAreRefusedNamingTheField) {
  struct Case {
    std::string args, field;
  };
  std::vector<Case> cases = {
      {"--set replicaCount=-1", "replicaCount"},
      {"--set replicaCount=two", "replicaCount"},
      {"--set image.pullPolicy=Sometimes", "pullPolicy"},
      {"--set image.repository=", "repository"},
      {"--set logLevel=loud", "logLevel"},
      {"--set http.port=70000", "port"},
      {"--set service.type=ExternalName", "type"},
      {"--set database.existingSecret=Not_A_Name", "existingSecret"},
      {"--set database.dsn=orders", "dsn"},
      {"--set probes.readiness.path=readyz", "path"},
      {"--set terminationGracePeriodSeconds=0", "terminationGracePeriodSeconds"},
      {"--set replicas=2", "replicas"},  // a misspelt key, not silently ignored
      // The drain must fit in the kubelet's grace period (a template check, not the schema).
      {"--set terminationGracePeriodSeconds=10", "terminationGracePeriodSeconds"},
  };
  if (service() != "customers") {
    cases.push_back({"--set kafka.bootstrap=not-a-host-port", "bootstrap"});
    cases.push_back({"--set schemaRegistry.url=registry:8080", "url"});
    cases.push_back({"--set ordersTopic=no/slashes", "ordersTopic"});
  } else {
    cases.push_back({"--set kafka.bootstrap=kafka:9092", "kafka"});  // customers has no Kafka
  }
  if (service() == "fulfillment") {
    cases.push_back({"--set customers.url=ftp://c", "url"});
    cases.push_back({"--set consumerGroup=a\\ b", "consumerGroup"});
  }
  for (const auto& c : cases) {
    auto r = helm_template(chart(service()), c.args);
    EXPECT_NE(r.exit_code, 0) << c.args << " was accepted";
    EXPECT_NE(r.output.find(c.field), std::string::npos) << c.args << ":\n" << r.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Shop, ServiceChart,
                         ::testing::Values("customers", "orders", "fulfillment"),
                         [](const auto& param_info) { return param_info.param; });

nlohmann::json schema_of(const std::string& service) {
  std::ifstream in(chart(service) + "/values.schema.json");
  return nlohmann::json::parse(in);
}

// The charts share their templates (charts/service-lib), so their values must mean the same:
// every property two charts both have is declared identically in both.
TEST(ServiceCharts, SchemasAgreeOnWhatTheyShare) {
  const std::vector<std::string> services = {"customers", "orders", "fulfillment"};
  std::map<std::string, nlohmann::json> seen;
  std::map<std::string, std::string> from;
  for (const auto& s : services) {
    auto schema = schema_of(s);
    ASSERT_EQ(schema.value("additionalProperties", true), false) << s;
    for (const auto& [key, decl] : schema["properties"].items()) {
      if (seen.count(key)) {
        EXPECT_EQ(decl, seen[key])
            << "values." << key << " differs between charts/" << from[key] << " and charts/" << s;
      } else {
        seen[key] = decl;
        from[key] = s;
      }
    }
  }
  // And every chart declares what it renders from: its defaults validate (helm lint checks),
  // and the Kafka settings belong to the charts that talk to Kafka.
  EXPECT_FALSE(schema_of("customers")["properties"].contains("kafka"));
  EXPECT_TRUE(schema_of("orders")["properties"].contains("kafka"));
  EXPECT_TRUE(schema_of("fulfillment")["properties"].contains("customers"));
}

// The library chart renders nothing by itself, and the dependency is local (offline).
TEST(ServiceCharts, SharedTemplatesComeFromTheLocalLibraryChart) {
  std::ifstream lib_in(kCharts + "service-lib/Chart.yaml");
  auto lib = YAML::Load(std::string{std::istreambuf_iterator<char>(lib_in), {}});
  EXPECT_EQ(str(lib["type"]), "library");
  for (const std::string s : {"customers", "orders", "fulfillment"}) {
    std::ifstream in(chart(s) + "/Chart.yaml");
    auto c = YAML::Load(std::string{std::istreambuf_iterator<char>(in), {}});
    ASSERT_TRUE(c["dependencies"].IsSequence()) << s;
    EXPECT_EQ(str(c["dependencies"][0]["name"]), "service-lib") << s;
    EXPECT_EQ(str(c["dependencies"][0]["repository"]), "file://../service-lib") << s;
    EXPECT_EQ(str(c["dependencies"][0]["version"]), str(lib["version"])) << s;
  }
}

}  // namespace
