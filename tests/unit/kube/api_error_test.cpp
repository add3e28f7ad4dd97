#include "kube/api_error.h"

#include <gtest/gtest.h>

namespace {

using schemashift::kube::ApiError;

TEST(ApiError, DecodesAnInvalidStatusWithFieldCauses) {
  const std::string body = R"({"kind":"Status","apiVersion":"v1","status":"Failure",
    "message":"SchemaMigration.schemashift.io \"m\" is invalid: spec.database: Required value",
    "reason":"Invalid","code":422,
    "details":{"name":"m","kind":"SchemaMigration","causes":[
      {"reason":"FieldValueRequired","message":"Required value","field":"spec.database"}]}})";
  ApiError e = ApiError::from_response(422, body);
  EXPECT_TRUE(e.invalid());
  EXPECT_EQ(e.code, 422);
  ASSERT_EQ(e.causes.size(), 1u);
  EXPECT_EQ(e.causes[0].field, "spec.database");
  EXPECT_EQ(e.causes[0].reason, "FieldValueRequired");
  EXPECT_NE(e.describe().find("spec.database: Required value"), std::string::npos) << e.describe();
}

TEST(ApiError, ClassifiesReasons) {
  EXPECT_TRUE(ApiError::from_response(404, R"({"kind":"Status","reason":"NotFound","code":404})")
                  .not_found());
  EXPECT_TRUE(ApiError::from_response(409, R"({"kind":"Status","reason":"Conflict","code":409})")
                  .conflict());
  auto exists =
      ApiError::from_response(409, R"({"kind":"Status","reason":"AlreadyExists","code":409})");
  EXPECT_TRUE(exists.already_exists());
  EXPECT_FALSE(exists.conflict()) << "AlreadyExists is not a write conflict";
  EXPECT_TRUE(
      ApiError::from_response(410, R"({"kind":"Status","reason":"Expired","code":410})").gone());
  EXPECT_TRUE(ApiError::from_response(403, R"({"kind":"Status","reason":"Forbidden","code":403})")
                  .forbidden());
}

TEST(ApiError, NonStatusBodiesFallBackToTheHttpCode) {
  ApiError e = ApiError::from_response(503, "<html>upstream down</html>");
  EXPECT_EQ(e.reason, "ServiceUnavailable");
  EXPECT_TRUE(e.transient());
  EXPECT_EQ(e.message, "<html>upstream down</html>");
  EXPECT_FALSE(ApiError::from_response(404, "").transient());
}

TEST(ApiError, TransportFailuresAreTransientButConfigErrorsAreNot) {
  EXPECT_TRUE(ApiError::transport("TransportError", "refused").transient());
  EXPECT_FALSE(ApiError::transport("ConfigError", "bad kubeconfig").transient());
}

}  // namespace
