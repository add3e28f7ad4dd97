// How handler exceptions become responses: status, JSON body, Retry-After, and a 500 that
// never carries the exception's message.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "http_errors.h"
#include "http_server.h"
#include "request_fields.h"

namespace schemashift::svc {
namespace {

Response map(const std::exception_ptr& e, bool* internal = nullptr) {
  return error_response(e, "rid-1", internal);
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

TEST(ErrorMapping, BadRequestNamesTheFieldAndWhy) {
  auto r = map(std::make_exception_ptr(BadRequest("name.given", "is required")));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"], "bad_request");
  EXPECT_EQ(r.body["field"], "name.given");
  EXPECT_EQ(r.body["reason"], "is required");
  EXPECT_EQ(r.body["request_id"], "rid-1");
}

TEST(ErrorMapping, NotFoundIs404) {
  auto r = map(std::make_exception_ptr(NotFound("no customer 42")));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["error"], "not_found");
  EXPECT_EQ(r.body["message"], "no customer 42");
}

TEST(ErrorMapping, GoneNamesTheSuccessorInBodyAndLink) {
  auto r = map(std::make_exception_ptr(Gone("v1 is gone", "/v2/customers")));
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(r.body["successor"], "/v2/customers");
  EXPECT_EQ(header(r, "Link"), "</v2/customers>; rel=\"successor-version\"");
}

TEST(ErrorMapping, UnavailableIs503WithRetryAfter) {
  auto r = map(std::make_exception_ptr(Unavailable("pool exhausted", 3)));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(header(r, "Retry-After"), "3");
}

TEST(ErrorMapping, ABrokenDatabaseConnectionIs503) {
  auto r = map(std::make_exception_ptr(pqxx::broken_connection("server closed the connection")));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(header(r, "Retry-After"), "1");
}

TEST(ErrorMapping, AStatementTimeoutIs503) {
  auto r = map(std::make_exception_ptr(
      pqxx::sql_error("canceling statement due to statement timeout", "SELECT", "57014")));
  EXPECT_EQ(r.status, 503);
}

TEST(ErrorMapping, AnythingElseIs500WithoutItsMessage) {
  bool internal = false;
  auto r = map(std::make_exception_ptr(
                   std::runtime_error("password=hunter2 host=db: relation does not exist")),
               &internal);
  EXPECT_TRUE(internal);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body["error"], "internal");
  EXPECT_EQ(r.body["request_id"], "rid-1");
  EXPECT_EQ(r.body.dump().find("hunter2"), std::string::npos);
}

TEST(JsonBody, MalformedJsonIsABadRequestOfTheBodyWithThePosition) {
  httplib::Request raw;
  raw.body = R"({"email": "a@b.c",)";
  Request req{.raw = raw, .request_id = "r", .client_id = "c", .api_version = "v1", .params = {}};
  try {
    parse_json_body(req);
    FAIL() << "parsed malformed JSON";
  } catch (const BadRequest& e) {
    EXPECT_EQ(e.field, "body");
    EXPECT_NE(std::string(e.what()).find("malformed JSON"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("column"), std::string::npos) << e.what();
  }
}

TEST(JsonBody, ABodyThatIsNotAnObjectIsRefused) {
  httplib::Request raw;
  raw.body = "[1,2]";
  Request req{.raw = raw, .request_id = "r", .client_id = "c", .api_version = "v1", .params = {}};
  EXPECT_THROW(parse_json_body(req), BadRequest);
}

TEST(RequestFields, TypedFieldsNameTheFieldAndTheProblem) {
  const auto body = nlohmann::json::parse(R"({"a": 5, "b": "", "n": {"x": "y"}, "s": "t"})");
  try {
    required_string(body, "a", "a");
    FAIL();
  } catch (const BadRequest& e) {
    EXPECT_EQ(e.field, "a");
    EXPECT_STREQ(e.what(), "must be a string, not number");
  }
  EXPECT_THROW(required_string(body, "b", "b"), BadRequest);
  EXPECT_THROW(required_string(body, "missing", "missing"), BadRequest);
  EXPECT_EQ(required_string(body, "s", "s"), "t");
  EXPECT_FALSE(optional_string(body, "missing", "missing"));
  EXPECT_THROW(optional_object(body, "s", "s"), BadRequest);
  EXPECT_EQ(required_string(required_object(body, "n", "n"), "x", "n.x"), "y");
}

TEST(RequestFields, IdsArePositiveIntegers) {
  EXPECT_EQ(positive_id("42", "id"), 42);
  EXPECT_THROW(positive_id("0", "id"), BadRequest);
  EXPECT_THROW(positive_id("-1", "id"), BadRequest);
  EXPECT_THROW(positive_id("4x", "id"), BadRequest);
  EXPECT_THROW(positive_id("", "id"), BadRequest);
  EXPECT_THROW(positive_id("99999999999999999999", "id"), BadRequest);
}

}  // namespace
}  // namespace schemashift::svc
