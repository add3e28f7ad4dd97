// Every flag-driven path of customers-service, end to end: the test plays the operator
// (expand DDL, set_flag, wait for the instance's acknowledgement in schemashift.flag_acks,
// contract DDL) and checks what the API answers and what lands in which column.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service_process.h"
#include "support/helpers.h"
#include "support/scratch_database.h"

namespace {

using namespace schemashift::testing;
using namespace std::chrono_literals;
using nlohmann::json;

class CustomersFlagsTest : public ::testing::Test {
 protected:
  // Sets the flag and waits for this instance's acknowledgement.
  void move(const std::string& key, const std::string& value) {
    const auto gen = set_flag(db_.dsn(), key, value);
    ASSERT_TRUE(acknowledged(db_.dsn(), "customers", svc_.instance(), key, value, gen, 10s))
        << key << "=" << value << " not acknowledged; output:\n"
        << svc_.output();
  }
  // Sets the flag and checks that it stays unacknowledged over several polls.
  void refused(const std::string& key, const std::string& value) {
    const auto gen = set_flag(db_.dsn(), key, value);
    EXPECT_FALSE(acknowledged(db_.dsn(), "customers", svc_.instance(), key, value, gen, 1500ms))
        << key << "=" << value << " was acknowledged";
  }
  json call(const std::string& method, const std::string& path, const json& body = nullptr,
            int expect = 200, httplib::Headers* headers = nullptr) {
    httplib::Result r = method == "GET" ? client_.Get(path.c_str())
                        : method == "POST"
                            ? client_.Post(path.c_str(), body.dump(), "application/json")
                            : client_.Put(path.c_str(), body.dump(), "application/json");
    EXPECT_TRUE(r) << method << " " << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << method << " " << path << ": " << r->body << "\n"
                                 << svc_.errors();
    if (headers) *headers = r->headers;
    return json::parse(r->body);
  }
  std::int64_t create_v1(const std::string& first, const std::string& country) {
    return call("POST", "/v1/customers",
                {{"first_name", first},
                 {"last_name", "Doe"},
                 {"email", first + "@example.org"},
                 {"street", "Main St 1"},
                 {"city", "Town"},
                 {"postal_code", "12345"},
                 {"country", country}},
                201)["id"]
        .get<std::int64_t>();
  }
  // DDL and data fixes as the database's owner role, as a migration runs them.
  void ddl(const std::string& statements) {
    pqxx::connection c(db_.dsn());
    pqxx::nontransaction nt(c);
    nt.exec(statements);
  }
  std::string sql(const std::string& query) {
    pqxx::connection c(db_.admin_dsn());
    return scalar(c, query);
  }

  ScratchDatabase db_{"customers_flags"};
  ServiceProcess svc_{"customers-service", db_.dsn()};
  httplib::Client client_ = svc_.client();
};

TEST_F(CustomersFlagsTest, PreferredLanguageIsRefusedBeforeItsColumnThenWrittenThenRead) {
  refused("customers.preferred_language", "dual-write");
  const auto before = create_v1("early", "DE");
  ddl("ALTER TABLE customers ADD COLUMN preferred_language text");
  move("customers.preferred_language", "dual-write");
  const auto de = create_v1("hans", "DE");
  EXPECT_EQ(sql("SELECT preferred_language FROM customers WHERE id = " + std::to_string(de)), "de")
      << "derived from the country when the body has none";
  const auto fr = call("POST", "/v2/customers",
                       {{"email", "m@example.org"},
                        {"name", {{"given", "Marie"}, {"family", "Curie"}}},
                        {"address", {{"country", "PL"}}},
                        {"preferred_language", "fr"}},
                       201)["id"]
                      .get<std::int64_t>();
  EXPECT_EQ(sql("SELECT preferred_language FROM customers WHERE id = " + std::to_string(fr)), "fr");
  EXPECT_FALSE(call("GET", "/v2/customers/" + std::to_string(fr)).contains("preferred_language"))
      << "dual-write writes, it does not read";
  EXPECT_EQ(
      sql("SELECT preferred_language IS NULL FROM customers WHERE id = " + std::to_string(before)),
      "t");

  ddl("UPDATE customers SET preferred_language = 'de' WHERE preferred_language IS NULL");
  move("customers.preferred_language", "read-new");
  EXPECT_EQ(call("GET", "/v2/customers/" + std::to_string(fr))["preferred_language"], "fr");
  EXPECT_EQ(call("GET", "/v2/customers/" + std::to_string(before))["preferred_language"], "de");
  EXPECT_FALSE(call("GET", "/v1/customers/" + std::to_string(fr)).contains("preferred_language"))
      << "v1's shape never changes";
  // A v1 replace keeps the language a v2 client chose.
  call("PUT", "/v1/customers/" + std::to_string(fr),
       {{"first_name", "Marie"},
        {"last_name", "Curie"},
        {"email", "m@example.org"},
        {"country", "PL"}});
  EXPECT_EQ(call("GET", "/v2/customers/" + std::to_string(fr))["preferred_language"], "fr");
  ddl("ALTER TABLE customers ALTER COLUMN preferred_language SET NOT NULL");
  move("customers.preferred_language", "new");
  EXPECT_EQ(
      call("GET", "/v2/customers/" + std::to_string(create_v1("ana", "ES")))["preferred_language"],
      "es");
}

TEST_F(CustomersFlagsTest, AddressesMoveToTheirOwnTableThroughEveryMode) {
  refused("customers.addresses", "dual-write");
  const auto old_id = create_v1("olga", "NO");
  EXPECT_EQ(sql("SELECT city FROM customers WHERE id = " + std::to_string(old_id)), "Town");

  ddl("CREATE TABLE addresses (customer_id bigint PRIMARY KEY REFERENCES customers(id), "
      "street text, city text, postal_code text, country text)");
  move("customers.addresses", "dual-write");
  const auto dual = create_v1("dora", "DK");
  EXPECT_EQ(sql("SELECT city FROM customers WHERE id = " + std::to_string(dual)), "Town");
  EXPECT_EQ(sql("SELECT city || '/' || country FROM addresses WHERE customer_id = " +
                std::to_string(dual)),
            "Town/DK");
  call("PUT", "/v2/customers/" + std::to_string(dual),
       {{"email", "dora@example.org"},
        {"name", {{"given", "Dora"}, {"family", "Doe"}}},
        {"address", {{"city", "Aarhus"}, {"country", "DK"}}}});
  EXPECT_EQ(sql("SELECT city FROM addresses WHERE customer_id = " + std::to_string(dual)),
            "Aarhus");
  EXPECT_EQ(sql("SELECT city FROM customers WHERE id = " + std::to_string(dual)), "Aarhus");

  // The backfill (the operator's), then reads switch: the addresses table is what is read.
  ddl("INSERT INTO addresses SELECT id, street, city, postal_code, country FROM customers "
      "ON CONFLICT (customer_id) DO NOTHING");
  ddl("UPDATE addresses SET city = 'From-addresses' WHERE customer_id = " + std::to_string(old_id));
  move("customers.addresses", "read-new");
  EXPECT_EQ(call("GET", "/v1/customers/" + std::to_string(old_id))["city"], "From-addresses");
  EXPECT_EQ(call("GET", "/v2/customers/" + std::to_string(old_id))["address"]["city"],
            "From-addresses");
  const auto read_new = create_v1("rita", "SE");
  EXPECT_EQ(sql("SELECT city FROM customers WHERE id = " + std::to_string(read_new)), "Town")
      << "read-new still writes both";

  move("customers.addresses", "new");
  const auto only_new = create_v1("nina", "NL");
  EXPECT_EQ(sql("SELECT city IS NULL FROM customers WHERE id = " + std::to_string(only_new)), "t");
  EXPECT_EQ(sql("SELECT country FROM addresses WHERE customer_id = " + std::to_string(only_new)),
            "NL");
  // Contract: the old columns go; the service does not notice, and refuses going back.
  ddl("ALTER TABLE customers DROP COLUMN street, DROP COLUMN city, DROP COLUMN postal_code, "
      "DROP COLUMN country");
  EXPECT_EQ(call("GET", "/v1/customers/" + std::to_string(only_new))["country"], "NL");
  EXPECT_EQ(call("GET", "/v2/customers?limit=100")["items"].size(), 4u);
  create_v1("after-contract", "FI");
  refused("customers.addresses", "old");
}

TEST_F(CustomersFlagsTest, GivenNameReplacesFirstNameWhileV1KeepsAnsweringFirstName) {
  refused("customers.given_name", "read-new");
  const auto old_id = create_v1("gina", "IT");
  ddl("ALTER TABLE customers ADD COLUMN given_name text");
  move("customers.given_name", "dual-write");
  const auto dual = create_v1("dual", "IT");
  EXPECT_EQ(sql("SELECT first_name || '/' || given_name FROM customers WHERE id = " +
                std::to_string(dual)),
            "dual/dual");
  ddl("UPDATE customers SET given_name = first_name WHERE given_name IS NULL");
  ddl("UPDATE customers SET given_name = 'Regina' WHERE id = " + std::to_string(old_id));
  move("customers.given_name", "read-new");
  EXPECT_EQ(call("GET", "/v1/customers/" + std::to_string(old_id))["first_name"], "Regina");
  EXPECT_EQ(call("GET", "/v2/customers/" + std::to_string(old_id))["name"]["given"], "Regina");
  move("customers.given_name", "new");
  const auto only_new = create_v1("newton", "IT");
  EXPECT_EQ(sql("SELECT coalesce(first_name, '<null>') || '/' || given_name FROM customers WHERE "
                "id = " +
                std::to_string(only_new)),
            "<null>/newton");
  ddl("ALTER TABLE customers DROP COLUMN first_name");
  EXPECT_EQ(call("GET", "/v1/customers/" + std::to_string(only_new))["first_name"], "newton");
  call("PUT", "/v1/customers/" + std::to_string(only_new),
       {{"first_name", "Isaac"}, {"last_name", "Newton"}, {"email", "i@example.org"}});
  EXPECT_EQ(call("GET", "/v2/customers/" + std::to_string(only_new))["name"]["given"], "Isaac");
  refused("customers.given_name", "old");
}

TEST_F(CustomersFlagsTest, TheBaselineNeverReAddsWhatAMigrationDropped) {
  ddl("ALTER TABLE customers ADD COLUMN given_name text");
  move("customers.given_name", "new");
  ddl("ALTER TABLE customers DROP COLUMN first_name");
  ServiceProcess second("customers-service", db_.dsn());
  EXPECT_EQ(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'customers' "
                "AND column_name = 'first_name'"),
            "0");
  // The new instance reads the flag on start and serves the new layout at once.
  ASSERT_TRUE(acknowledged(db_.dsn(), "customers", second.instance(), "customers.given_name", "new",
                           1, 10s));
  auto c = second.client();
  auto r =
      c.Post("/v1/customers",
             json({{"first_name", "Late"}, {"last_name", "Starter"}, {"email", "l@e.org"}}).dump(),
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
}

TEST_F(CustomersFlagsTest, AValueThatIsNotAModeIsNeverAcknowledged) {
  refused("customers.v1_lifecycle", "deprecated");
  move("customers.v1_lifecycle", "old");
}

TEST_F(CustomersFlagsTest, V1IsDeprecatedWithHeadersThenGoneNamingV2) {
  const auto id = std::to_string(create_v1("vera", "AT"));
  httplib::Headers h;
  call("GET", "/v1/customers/" + id, nullptr, 200, &h);
  EXPECT_EQ(h.count("Deprecation"), 0u);
  EXPECT_EQ(h.count("Sunset"), 0u);

  move("customers.v1_lifecycle", "dual-write");
  call("GET", "/v1/customers/" + id, nullptr, 200, &h);
  ASSERT_EQ(h.count("Deprecation"), 1u);
  EXPECT_EQ(h.find("Deprecation")->second, "@1767225600");
  EXPECT_EQ(h.find("Sunset")->second, "Wed, 01 Jul 2026 00:00:00 GMT");
  EXPECT_EQ(h.find("Link")->second, "</v2/customers>; rel=\"successor-version\"");
  call("GET", "/v1/customers/999999", nullptr, 404, &h);
  EXPECT_EQ(h.count("Deprecation"), 1u) << "errors of a deprecated API say so too";
  call("GET", "/v2/customers/" + id, nullptr, 200, &h);
  EXPECT_EQ(h.count("Deprecation"), 0u);
  move("customers.v1_lifecycle", "read-new");
  call("GET", "/v1/customers?limit=1", nullptr, 200, &h);
  EXPECT_EQ(h.count("Sunset"), 1u);

  move("customers.v1_lifecycle", "new");
  for (const std::string method : {"GET", "POST", "PUT"}) {
    const auto gone = call(method, method == "POST" ? "/v1/customers" : "/v1/customers/" + id,
                           json({{"first_name", "x"}}), 410, &h);
    EXPECT_EQ(gone["error"], "gone");
    EXPECT_EQ(gone["successor"], "/v2/customers");
    EXPECT_NE(gone["message"].get<std::string>().find("/v2/customers"), std::string::npos);
    EXPECT_EQ(h.find("Link")->second, "</v2/customers>; rel=\"successor-version\"");
  }
  EXPECT_EQ(call("GET", "/v2/customers/" + id)["name"]["given"], "vera");
  EXPECT_TRUE(eventually(
      [&] {
        return metric_value(svc_.metrics(), "http_requests_total",
                            {"route=\"/v1/customers/:id\"", "method=\"GET\"", "status=\"410\""}) ==
               1;
      },
      5s));
  // Rolled back, v1 answers again.
  move("customers.v1_lifecycle", "read-new");
  call("GET", "/v1/customers/" + id);
}

}  // namespace
