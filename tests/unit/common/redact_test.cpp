// Credentials masked by where they sit in a text: URL userinfo, token parameters, password pairs.
#include "common/redact.h"

#include <gtest/gtest.h>

namespace {

using schemashift::redact_credential_pairs;
using schemashift::redact_credentials;
using schemashift::redact_urls;

TEST(Redact, UrlsLoseTheirUserinfoAndTokenParameters) {
  EXPECT_EQ(redact_urls("GET https://bob:s3cret@metrics.internal:9090/api?query=up&token=abc123 "
                        "failed"),
            "GET https://***@metrics.internal:9090/api?query=up&token=*** failed");
  EXPECT_EQ(redact_urls("http://h/x?access_token=t&sig=zz&Api-Key=k&page=2"),
            "http://h/x?access_token=***&sig=***&Api-Key=***&page=2");
  EXPECT_EQ(redact_urls("http://h/x?a=1"), "http://h/x?a=1");
  EXPECT_EQ(redact_urls("no url here: user@example.com"), "no url here: user@example.com");
}

TEST(Redact, PasswordPairsInEveryDialectLoseTheirValue) {
  EXPECT_EQ(redact_credential_pairs("host=db password=s3 dbname=o"),
            "host=db password=*** dbname=o");
  EXPECT_EQ(redact_credential_pairs("host=db password='a b\\' c' dbname=o"),
            "host=db password=*** dbname=o");
  EXPECT_EQ(redact_credential_pairs("Server=db;Password=p;Database=o"),
            "Server=db;Password=***;Database=o");
  EXPECT_EQ(redact_credential_pairs("Pwd = p; uid=x"), "Pwd = ***; uid=x");
  EXPECT_EQ(redact_credentials("jdbc:postgresql://db/o?user=a&password=p"),
            "jdbc:postgresql://db/o?user=a&password=***");
}

}  // namespace
