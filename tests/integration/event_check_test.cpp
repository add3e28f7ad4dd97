// The operator's event checks against the stack's real registry (Apicurio, ccompat v7): a
// subject without a version is never compatible although Apicurio says it is; the corpus
// (tests/fixtures/event_corpus) of OrderCreated changes is judged under BACKWARD, FORWARD and
// FULL exactly as its files expect, every refusal in the registry's words and never
// registered, every accepted change registered once (the same id when registered again); an
// unreachable registry is a retriable error; credentials in the URL appear in no text.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "event_schemas.h"
#include "events/event_check.h"
#include "events/schema_registry.h"
#include "support/stack_env.h"

namespace {

using nlohmann::json;
using schemashift::events::check_event_schema;
using schemashift::events::EventError;
using schemashift::events::register_event_schema;
using schemashift::events::SchemaRegistry;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

const std::filesystem::path kCorpus =
    std::filesystem::path(SCHEMASHIFT_SOURCE_DIR) / "tests/fixtures/event_corpus";

std::string fresh_subject(const std::string& what) {
  return "orders-" + what + "-" + unique_suffix() + "-value";
}

struct Case {
  std::string name;  // directory/file
  json doc;
};

std::vector<Case> corpus(const std::string& dir) {
  std::vector<Case> cases;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus / dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    cases.push_back({dir + "/" + entry.path().filename().string(), json::parse(in)});
  }
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

// The global level, read past the client (what compatibility_level must fall back to).
std::string global_level() {
  const std::string url = stack_var("SCHEMA_REGISTRY_URL");
  const auto path_start = url.find('/', std::string("http://").size());
  httplib::Client http(url.substr(0, path_start));
  auto r = http.Get(url.substr(path_start) + "/config");
  if (!r || r->status != 200) throw std::runtime_error("GET /config failed");
  return json::parse(r->body).at("compatibilityLevel").get<std::string>();
}

// POST to the stack's registry past the client: the status and the parsed answer.
std::pair<int, json> registry_post(const std::string& path, const json& body) {
  const std::string url = stack_var("SCHEMA_REGISTRY_URL");
  const auto path_start = url.find('/', std::string("http://").size());
  httplib::Client http(url.substr(0, path_start));
  auto r = http.Post(url.substr(path_start) + path, body.dump(),
                     "application/vnd.schemaregistry.v1+json");
  if (!r) throw std::runtime_error("POST " + path + " failed: " + httplib::to_string(r.error()));
  return {r->status, json::parse(r->body, nullptr, false)};
}

// A loopback port nothing listens on: bound, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("no free port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The stack's registry URL with credentials in its userinfo (Apicurio without auth ignores
// them): every text the client produces must still lack them.
std::string url_with_credentials() {
  std::string url = stack_var("SCHEMA_REGISTRY_URL");
  return url.insert(std::string("http://").size(), "svc-orders:Hunter2-s3cret@");
}

TEST(EventCheck, ASubjectWithoutAVersionIsNeverCompatible) {
  SchemaRegistry registry(url_with_credentials());
  const std::string subject = fresh_subject("missing");
  const json& v1 = schemashift::svc::order_created_schema(1);

  // The trap: asked against the latest version, the registry calls anything compatible with a
  // subject it does not have.
  const auto [status, raw] =
      registry_post("/compatibility/subjects/" + subject + "/versions/latest",
                    {{"schemaType", "JSON"}, {"schema", v1.dump()}});
  ASSERT_EQ(status, 200) << raw.dump();
  EXPECT_EQ(raw, json({{"is_compatible", true}}))
      << "Apicurio no longer says compatible for a missing subject";
  // The client asks against the subject's versions, where the missing subject is a 404.
  auto verdict = registry.check_compatibility(subject, v1);
  ASSERT_FALSE(verdict.ok()) << "compatible=" << verdict->compatible;
  EXPECT_EQ(verdict.error().kind, schemashift::events::RegistryError::kNotFound)
      << verdict.error().message;
  auto versions = registry.subject_versions(subject);
  ASSERT_FALSE(versions.ok());
  EXPECT_EQ(versions.error().kind, schemashift::events::RegistryError::kNotFound)
      << versions.error().message;

  auto check = check_event_schema(registry, subject, v1);
  ASSERT_FALSE(check.ok()) << "compatible=" << check->compatible;
  EXPECT_EQ(check.error().kind, EventError::kNoVersion);
  EXPECT_FALSE(check.error().retriable());
  EXPECT_EQ(check.error().message, "subject " + subject +
                                       " has no registered version: register the current schema "
                                       "first");

  // A level of its own does not make a subject: Apicurio takes PUT /config for it, and still
  // has no version to compare with.
  ASSERT_TRUE(registry.set_compatibility(subject, "BACKWARD").ok());
  auto with_level = check_event_schema(registry, subject, v1);
  ASSERT_FALSE(with_level.ok());
  EXPECT_EQ(with_level.error().kind, EventError::kNoVersion) << with_level.error().message;

  auto no_latest = registry.latest_version(subject);
  ASSERT_FALSE(no_latest.ok());
  EXPECT_EQ(no_latest.error().kind, schemashift::events::RegistryError::kNotFound);

  // Once the current schema is registered, the same check runs and passes.
  auto id = register_event_schema(registry, subject, v1);
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto latest = registry.latest_version(subject);
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  EXPECT_EQ(latest->version, 1);
  EXPECT_EQ(latest->id, *id);
  EXPECT_EQ(latest->schema, v1);
  auto after = check_event_schema(registry, subject, schemashift::svc::order_created_schema(2));
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->level, "BACKWARD");
  EXPECT_TRUE(after->compatible);
}

TEST(EventCheck, TheLevelIsTheSubjectsOwnElseTheGlobalOne) {
  SchemaRegistry registry(stack_var("SCHEMA_REGISTRY_URL"));
  const json& v1 = schemashift::svc::order_created_schema(1);

  // No rule of its own: Apicurio's GET /config/{subject} would say NONE; the global applies.
  const std::string plain = fresh_subject("global-level");
  ASSERT_TRUE(register_event_schema(registry, plain, v1).ok());
  auto inherited = registry.compatibility_level(plain);
  ASSERT_TRUE(inherited.ok()) << inherited.error().message;
  EXPECT_EQ(*inherited, global_level());
  auto unknown = registry.compatibility_level(fresh_subject("never-registered"));
  ASSERT_TRUE(unknown.ok()) << unknown.error().message;
  EXPECT_EQ(*unknown, global_level());

  for (const std::string level : {"BACKWARD", "FORWARD_TRANSITIVE", "FULL", "NONE"}) {
    const std::string own = fresh_subject("own-level");
    // Registered first: Apicurio answers 404 to PUT NONE for a subject it does not have (NONE
    // deletes the subject's rule; under a global rule the subject then runs under that one).
    ASSERT_TRUE(register_event_schema(registry, own, v1).ok());
    auto set = registry.set_compatibility(own, level);
    ASSERT_TRUE(set.ok()) << level << ": " << set.error().message;
    // What the checks really run under: NONE leaves the subject to the global rule.
    const std::string runs_under = level == "NONE" ? global_level() : level;
    auto got = registry.compatibility_level(own);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, runs_under);
    auto check = check_event_schema(registry, own, v1);
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_EQ(check->level, runs_under);
    EXPECT_TRUE(check->compatible) << level;
  }
}

TEST(EventCheck, TheCorpusHasTenChangesEachWay) {
  const auto compatible = corpus("compatible");
  const auto incompatible = corpus("incompatible");
  EXPECT_GE(compatible.size(), 10u);
  EXPECT_GE(incompatible.size(), 10u);
  // Every base is OrderCreated v1 as orders publishes it, or says how it differs.
  for (const auto& set : {compatible, incompatible, corpus("disagreements")}) {
    for (const auto& c : set) {
      ASSERT_TRUE(c.doc.contains("base") && c.doc.contains("candidate") &&
                  c.doc.contains("expect") && c.doc["expect"].contains("BACKWARD"))
          << c.name;
      if (!c.doc.contains("base_variant")) {
        EXPECT_EQ(c.doc["base"], schemashift::svc::order_created_schema(1)) << c.name;
      }
      EXPECT_NE(c.doc["base"], c.doc["candidate"]) << c.name;
      // The directory is the BACKWARD verdict (disagreements hold what Apicurio answers).
      if (c.name.starts_with("compatible/")) {
        EXPECT_TRUE(c.doc["expect"]["BACKWARD"]) << c.name;
      }
      if (c.name.starts_with("incompatible/")) {
        EXPECT_FALSE(c.doc["expect"]["BACKWARD"]) << c.name;
      }
    }
  }
}

// Each change of one directory under each level its file expects a verdict for: the base
// registered under a subject of its own, then the candidate checked and registered.
void judge(const std::string& dir, int at_least) {
  SchemaRegistry registry(url_with_credentials());
  int judged = 0;
  for (const auto& c : corpus(dir)) {
    for (const auto& [level, expected] : c.doc["expect"].items()) {
      SCOPED_TRACE(c.name + " under " + level);
      const std::string subject = fresh_subject("corpus");
      ASSERT_TRUE(registry.set_compatibility(subject, level).ok());
      auto base = register_event_schema(registry, subject, c.doc["base"]);
      ASSERT_TRUE(base.ok()) << base.error().message;

      auto check = check_event_schema(registry, subject, c.doc["candidate"]);
      ASSERT_TRUE(check.ok()) << check.error().message;
      EXPECT_EQ(check->level, level);
      EXPECT_EQ(check->compatible, expected.get<bool>())
          << c.doc.value("description", "") << "; messages: " << json(check->messages).dump();
      ++judged;

      auto id = register_event_schema(registry, subject, c.doc["candidate"]);
      auto versions = registry.subject_versions(subject);
      ASSERT_TRUE(versions.ok()) << versions.error().message;
      if (check->compatible) {
        EXPECT_TRUE(check->messages.empty()) << json(check->messages).dump();
        ASSERT_TRUE(id.ok()) << id.error().message;
        EXPECT_NE(*id, *base);
        auto again = register_event_schema(registry, subject, c.doc["candidate"]);
        ASSERT_TRUE(again.ok()) << again.error().message;
        EXPECT_EQ(*again, *id);
        EXPECT_EQ(*versions, (std::vector<int>{1, 2}));
      } else {
        // The registry's words: Apicurio's difference types, each with where it is.
        ASSERT_FALSE(check->messages.empty());
        for (const auto& m : check->messages) {
          EXPECT_NE(m.find(" at /"), std::string::npos) << m;
          EXPECT_EQ(m.find("Hunter2"), std::string::npos) << m;
        }
        ASSERT_FALSE(id.ok()) << "registered an incompatible schema as id " << *id;
        EXPECT_EQ(id.error().kind, EventError::kRefused);
        EXPECT_NE(id.error().message.find("Incompatible"), std::string::npos) << id.error().message;
        EXPECT_EQ(id.error().message.find("Hunter2"), std::string::npos) << id.error().message;
        EXPECT_EQ(*versions, (std::vector<int>{1}));
      }
    }
  }
  EXPECT_GE(judged, at_least);
}

TEST(EventCheck, EveryCompatibleChangeOfTheCorpusIsAcceptedAndRegisteredOnce) {
  judge("compatible", 10);
}

TEST(EventCheck, EveryIncompatibleChangeOfTheCorpusIsRefusedInTheRegistrysWords) {
  judge("incompatible", 10);
}

// Where Apicurio departs from the JSON Schema rules (a type list widened or narrowed): the
// files hold its answer, so a registry that starts to follow the rules fails here.
TEST(EventCheck, ApicuriosDisagreementsWithTheRulesAreAsDocumented) { judge("disagreements", 2); }

TEST(EventCheck, AnUnreachableRegistryIsRetriableAndNamesNoCredentials) {
  SchemaRegistry registry("http://svc-orders:Hunter2-s3cret@127.0.0.1:" +
                          std::to_string(closed_port()) + "/apis/ccompat/v7");
  EXPECT_EQ(registry.url().find("Hunter2"), std::string::npos) << registry.url();
  const json& v1 = schemashift::svc::order_created_schema(1);

  auto check = check_event_schema(registry, "orders-value", v1);
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().kind, EventError::kUnreachable);
  EXPECT_TRUE(check.error().retriable());
  EXPECT_NE(check.error().message.find("unreachable"), std::string::npos) << check.error().message;
  EXPECT_NE(check.error().message.find("127.0.0.1"), std::string::npos) << check.error().message;
  EXPECT_EQ(check.error().message.find("Hunter2"), std::string::npos) << check.error().message;

  auto id = register_event_schema(registry, "orders-value", v1);
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.error().retriable());
  EXPECT_EQ(id.error().message.find("Hunter2"), std::string::npos) << id.error().message;
}

TEST(EventCheck, ABadRegistryUrlIsARefusalNotARetry) {
  SchemaRegistry registry("registry:8080/apis/ccompat/v7");
  auto check =
      check_event_schema(registry, "orders-value", schemashift::svc::order_created_schema(1));
  ASSERT_FALSE(check.ok());
  EXPECT_FALSE(check.error().retriable());
  EXPECT_NE(check.error().message.find("not http(s)"), std::string::npos) << check.error().message;
}

}  // namespace
