// A registry URL taken apart: where the client connects, the API prefix, and the userinfo's
// credentials (decoded, for basic auth) kept out of what may be printed.
#include "events/registry_url.h"

#include <gtest/gtest.h>

namespace {

using schemashift::events::parse_registry_url;

TEST(RegistryUrl, OriginAndPrefixWithoutTrailingSlash) {
  auto u = parse_registry_url("http://127.0.0.1:8081/apis/ccompat/v7/");
  ASSERT_TRUE(u.ok()) << u.error();
  EXPECT_EQ(u->origin, "http://127.0.0.1:8081");
  EXPECT_EQ(u->prefix, "/apis/ccompat/v7");
  EXPECT_EQ(u->display, "http://127.0.0.1:8081/apis/ccompat/v7");
  EXPECT_TRUE(u->user.empty());
  EXPECT_TRUE(u->password.empty());

  auto bare = parse_registry_url("https://registry.example");
  ASSERT_TRUE(bare.ok()) << bare.error();
  EXPECT_EQ(bare->origin, "https://registry.example");
  EXPECT_EQ(bare->prefix, "");
}

TEST(RegistryUrl, UserinfoBecomesDecodedCredentialsAndLeavesTheDisplay) {
  auto u = parse_registry_url("http://svc-user:p%40ss%3Aw0rd@registry:8080/apis/ccompat/v7");
  ASSERT_TRUE(u.ok()) << u.error();
  EXPECT_EQ(u->user, "svc-user");
  EXPECT_EQ(u->password, "p@ss:w0rd");
  EXPECT_EQ(u->origin, "http://registry:8080");
  EXPECT_EQ(u->display, "http://registry:8080/apis/ccompat/v7");

  // An unencoded '@' in the password: the userinfo ends at the last '@' of the authority.
  auto raw = parse_registry_url("http://u:a@b@registry/x");
  ASSERT_TRUE(raw.ok()) << raw.error();
  EXPECT_EQ(raw->user, "u");
  EXPECT_EQ(raw->password, "a@b");
  EXPECT_EQ(raw->origin, "http://registry");
}

TEST(RegistryUrl, QueryAndFragmentAreNotPartOfThePrefix) {
  auto u = parse_registry_url("http://registry:8080/apis/ccompat/v7?x=1#f");
  ASSERT_TRUE(u.ok()) << u.error();
  EXPECT_EQ(u->prefix, "/apis/ccompat/v7");
}

TEST(RegistryUrl, RefusedUrlsNameTheProblemWithoutCredentials) {
  auto no_scheme = parse_registry_url("registry:8080/apis/ccompat/v7");
  ASSERT_FALSE(no_scheme.ok());
  EXPECT_NE(no_scheme.error().find("not http(s)"), std::string::npos) << no_scheme.error();

  auto no_host = parse_registry_url("http://admin:hunter2@/apis");
  ASSERT_FALSE(no_host.ok());
  EXPECT_NE(no_host.error().find("no host"), std::string::npos) << no_host.error();
  EXPECT_EQ(no_host.error().find("hunter2"), std::string::npos) << no_host.error();

  auto ftp = parse_registry_url("ftp://admin:hunter2@registry/");
  ASSERT_FALSE(ftp.ok());
  EXPECT_EQ(ftp.error().find("hunter2"), std::string::npos) << ftp.error();
}

}  // namespace
