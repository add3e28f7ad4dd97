#include "pg/dsn.h"

#include <gtest/gtest.h>

namespace {

using namespace schemashift::pg;

TEST(Dsn, RedactsThePasswordInEveryForm) {
  EXPECT_EQ(redact_dsn("postgresql://app:s3cr3t@db:5432/orders"),
            "postgresql://app:***@db:5432/orders");
  EXPECT_EQ(redact_dsn("host=db user=app password=s3cr3t dbname=orders"),
            "host=db user=app password=*** dbname=orders");
  EXPECT_EQ(redact_dsn("host=db password='has space' dbname=orders"),
            "host=db password=*** dbname=orders");
  EXPECT_EQ(redact_dsn("postgresql://db/orders?user=app&password=s3cr3t&sslmode=require"),
            "postgresql://db/orders?user=app&password=***&sslmode=require");
  EXPECT_EQ(redact_dsn("postgresql://db/orders"), "postgresql://db/orders");
}

TEST(Dsn, ScrubsThePasswordOutOfAnyMessage) {
  const std::string dsn = "postgresql://app:hunter2pw@127.0.0.1:1/orders";
  EXPECT_EQ(dsn_password(dsn), "hunter2pw");
  EXPECT_EQ(scrub("connection to server failed for " + dsn + " (password hunter2pw)", dsn),
            "connection to server failed for *** (password ***)");
}

}  // namespace
