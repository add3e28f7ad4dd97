// ServiceConfig from the command line and the environment: defaults, each source, the
// command line over the environment, and refusals of bad values.
#include <cstdlib>

#include <gtest/gtest.h>

#include "config.h"

namespace schemashift::svc {
namespace {

using namespace std::chrono_literals;

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v : {"HTTP_PORT", "DATABASE_DSN", "DB_ACQUIRE_TIMEOUT_MS", "POD_NAME",
                          "LOG_LEVEL", "SHUTDOWN_GRACE_MS"})
      unsetenv(v);
  }
  // Parses `args` (after the program name); returns false when CLI11 refused them.
  bool parse(std::vector<std::string> args) {
    app_ = std::make_unique<CLI::App>("test");
    cfg_ = ServiceConfig{};
    cfg_.service = "customers";
    add_common_options(*app_, cfg_);
    std::vector<const char*> argv{"svc"};
    for (auto& a : args) argv.push_back(a.c_str());
    try {
      app_->parse(static_cast<int>(argv.size()), argv.data());
      return true;
    } catch (const CLI::ParseError&) {
      return false;
    }
  }
  std::unique_ptr<CLI::App> app_;
  ServiceConfig cfg_;
};

TEST_F(ConfigTest, DefaultsWithOnlyTheRequiredDsn) {
  ASSERT_TRUE(parse({"--database-dsn", "host=db dbname=customers"}));
  EXPECT_EQ(cfg_.database_dsn, "host=db dbname=customers");
  EXPECT_EQ(cfg_.http_port, 8080);
  EXPECT_EQ(cfg_.metrics_port, 9090);
  EXPECT_EQ(cfg_.http_threads, 16);
  EXPECT_EQ(cfg_.db_acquire_timeout, 2000ms);
  EXPECT_EQ(cfg_.shutdown_grace, 20000ms);
  EXPECT_EQ(cfg_.instance, host_name());
}

TEST_F(ConfigTest, TheDsnIsRequired) { EXPECT_FALSE(parse({})); }

TEST_F(ConfigTest, EnvironmentSetsEveryOption) {
  setenv("DATABASE_DSN", "host=env", 1);
  setenv("HTTP_PORT", "18080", 1);
  setenv("DB_ACQUIRE_TIMEOUT_MS", "750", 1);
  setenv("POD_NAME", "customers-7f9c-abcde", 1);
  setenv("LOG_LEVEL", "debug", 1);
  ASSERT_TRUE(parse({}));
  EXPECT_EQ(cfg_.database_dsn, "host=env");
  EXPECT_EQ(cfg_.http_port, 18080);
  EXPECT_EQ(cfg_.db_acquire_timeout, 750ms);
  EXPECT_EQ(cfg_.instance, "customers-7f9c-abcde");
  EXPECT_EQ(cfg_.log_level, "debug");
}

TEST_F(ConfigTest, TheCommandLineWinsOverTheEnvironment) {
  setenv("HTTP_PORT", "18080", 1);
  setenv("SHUTDOWN_GRACE_MS", "9000", 1);
  ASSERT_TRUE(parse({"--database-dsn=x", "--http-port", "0", "--shutdown-grace-ms", "1500"}));
  EXPECT_EQ(cfg_.http_port, 0);
  EXPECT_EQ(cfg_.shutdown_grace, 1500ms);
}

TEST_F(ConfigTest, BadValuesAreRefused) {
  EXPECT_FALSE(parse({"--database-dsn=x", "--http-port", "70000"}));
  EXPECT_FALSE(parse({"--database-dsn=x", "--http-threads", "0"}));
  EXPECT_FALSE(parse({"--database-dsn=x", "--db-acquire-timeout-ms", "-5"}));
  EXPECT_FALSE(parse({"--database-dsn=x", "--log-level", "loud"}));
  EXPECT_FALSE(parse({"--database-dsn=x", "--http-port", "eighty"}));
}

}  // namespace
}  // namespace schemashift::svc
