// Connection strings in every form a user may paste: read by libpq's own parser, shown without
// their password, refused by name (never echoed) when libpq cannot read them.
#include "pg/dsn.h"

#include <gtest/gtest.h>

namespace {

using namespace schemashift::pg;

const std::string kPw = "Zq7-hunter2-pw";

TEST(Dsn, ReadsUrisInAnyLetterCaseAndKeyValueStrings) {
  for (const std::string& dsn : std::vector<std::string>{
           "postgresql://app:" + kPw + "@db:5432/orders",
           "POSTGRESQL://app:" + kPw + "@db:5432/orders",
           "PostgreS://app:" + kPw + "@db:5432/orders",
           "postgresql://db:5432/orders?user=app&password=" + kPw,
           "host=db port=5432 dbname=orders user=app password=" + kPw,
           "  host=db port=5432 dbname=orders user=app password='" + kPw + "'\n",
           "jdbc:postgresql://db:5432/orders?user=app&password=" + kPw,
           "JDBC:PostgreSQL://db:5432/orders?user=app&password=" + kPw + "&ssl=true"}) {
    auto p = parse_dsn(dsn);
    ASSERT_TRUE(p) << p.error();
    EXPECT_EQ(p->password, kPw) << dsn;
    EXPECT_EQ(p->display, "host=db port=5432 dbname=orders user=app") << dsn;
    EXPECT_EQ(p->display.find(kPw), std::string::npos);
    EXPECT_NE(p->conninfo.find("host='db'"), std::string::npos) << p->conninfo;
    EXPECT_EQ(redact_dsn(dsn), p->display);
    EXPECT_EQ(dsn_password(dsn), kPw);
  }
  EXPECT_NE(parse_dsn("JDBC:PostgreSQL://db/orders?ssl=true")->conninfo.find("sslmode='require'"),
            std::string::npos);
}

TEST(Dsn, LeavesNothingToThePgEnvironmentOrThePasswordFile) {
  auto p = parse_dsn("dbname=orders");
  ASSERT_TRUE(p) << p.error();
  // Explicit (empty or compiled-in) values: libpq reads PG* only for options left unset.
  for (const char* k : {"host=''", "hostaddr=''", "user=''", "password=''", "port='5432'",
                        "sslmode='prefer'", "options=''", "passfile='/dev/null/"})
    EXPECT_NE(p->conninfo.find(k), std::string::npos) << k << " in " << p->conninfo;
  EXPECT_EQ(p->password, "");
}

TEST(Dsn, RefusesWhatItCannotReadByNameWithoutEchoingIt) {
  struct Case {
    std::string dsn, says;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty"},
           {"  \n", "empty"},
           {std::string("host=db password=") + kPw + "\xff\xfe", "not valid UTF-8"},
           {std::string("host=db\0password=", 17) + kPw, "NUL"},
           {"Server=db;Port=5432;Database=orders;User Id=app;Password=" + kPw + ";", "ADO.NET"},
           {"Host=db;Username=app;Password=" + kPw, "ADO.NET"},
           {kPw, "cannot parse"},
           {"host=db password='" + kPw, "cannot parse"},
           {"postgresql://app:" + kPw + "@[::1/orders", "cannot parse"},
           {"postgresql://app:" + kPw + "@db/orders?nosuch=1", "cannot parse"},
           {"jdbc:postgresql://db/orders?password=" + kPw + "&loggerLevel=DEBUG", "loggerLevel"},
           {"jdbc:mysql://db/orders?password=" + kPw, "another database"},
           {"mysql://app:" + kPw + "@db/orders", "not a PostgreSQL"},
       }) {
    auto p = parse_dsn(c.dsn);
    ASSERT_FALSE(p) << c.dsn;
    EXPECT_NE(p.error().find(c.says), std::string::npos) << p.error();
    EXPECT_EQ(p.error().find(kPw), std::string::npos) << "echoed: " << p.error();
    EXPECT_EQ(redact_dsn(c.dsn).find(kPw), std::string::npos);
  }
}

TEST(Dsn, ScrubsThePasswordOutOfAnyMessage) {
  const std::string dsn = "postgresql://app:hunter2pw@127.0.0.1:1/orders";
  EXPECT_EQ(dsn_password(dsn), "hunter2pw");
  EXPECT_EQ(scrub("connection to server failed for " + dsn + " (password hunter2pw)", dsn),
            "connection to server failed for *** (password ***)");
}

TEST(Dsn, ScrubsShortPasswordsByStructure) {
  for (const std::string& pw : std::vector<std::string>{"x", "pw", "a1"}) {
    const std::string dsn = "host=db user=app password=" + pw;
    const std::string out =
        scrub("failed: user=app password=" + pw + "; tried postgresql://app:" + pw +
                  "@db/orders?password=" + pw + " as " + pw,
              dsn);
    EXPECT_EQ(out,
              "failed: user=app password=***; tried postgresql://***@db/"
              "orders?password=*** as ***")
        << pw;
  }
  // A short password does not mangle the words it happens to be part of.
  EXPECT_EQ(scrub("a replica is behind", "host=db password=a"), "*** replica is behind");
  EXPECT_EQ(scrub("pwned pw", "host=db password=pw"), "pwned ***");
}

}  // namespace
