// customers-service under faults, as the real process: the database cut off (through a TCP
// proxy) and back, SIGTERM with a request in flight, and more connections than its pool takes.
#include <signal.h>

#include <functional>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service_process.h"
#include "support/helpers.h"
#include "support/scratch_database.h"
#include "support/tcp_proxy.h"

namespace {

using namespace schemashift::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string kAlice =
    json({{"first_name", "Alice"}, {"last_name", "L"}, {"email", "alice@example.org"}}).dump();

std::string dsn_via(const ScratchDatabase& db, int port) {
  return "host=127.0.0.1 port=" + std::to_string(port) + " dbname=" + db.name() +
         " user=" + db.role() + " password=" + db.password();
}

// Holds an ACCESS EXCLUSIVE lock on customers until release(): requests touching it wait.
class TableLock {
 public:
  explicit TableLock(const ScratchDatabase& db) : conn_(db.admin_dsn()), tx_(conn_) {
    tx_.exec("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE");
  }
  void release() { tx_.commit(); }

 private:
  pqxx::connection conn_;
  pqxx::work tx_;
};

TEST(CustomersFaults, TheDatabaseGoneIs503WithRetryAfterAndTheServiceRecoversWhenItReturns) {
  ScratchDatabase db("customers_faults");
  TcpProxy proxy(std::stoi(db.port()));
  ServiceProcess svc("customers-service", dsn_via(db, proxy.port()));
  auto c = svc.client();
  auto created = c.Post("/v1/customers", kAlice, "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201);
  const auto path = "/v1/customers/" + std::to_string(json::parse(created->body)["id"].get<int>());

  proxy.cut();
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    auto r = c.Get(path.c_str());
    ASSERT_TRUE(r) << "the service answers while its database is gone";
    EXPECT_EQ(r->status, 503) << r->body;
    EXPECT_EQ(r->get_header_value("Retry-After"), "1");
    EXPECT_EQ(json::parse(r->body)["error"], "unavailable");
    EXPECT_LT(Clock::now() - t0, 5s) << "bounded by the acquire and connect timeouts";
  }
  auto write =
      c.Post("/v2/customers",
             json({{"email", "b@e.org"}, {"name", {{"given", "B"}, {"family", "C"}}}}).dump(),
             "application/json");
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 503);
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(json::parse(ready->body)["checks"]["database"], "down");
  auto alive = c.Get("/healthz");
  ASSERT_TRUE(alive);
  EXPECT_EQ(alive->status, 200);
  EXPECT_TRUE(svc.process().running());

  proxy.restore();
  EXPECT_TRUE(eventually(
      [&] {
        auto r = c.Get(path.c_str());
        return r && r->status == 200;
      },
      15s));
  EXPECT_TRUE(eventually(
      [&] {
        auto r = c.Get("/readyz");
        return r && r->status == 200;
      },
      15s));
  auto after = c.Post("/v1/customers", kAlice, "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 201);
  EXPECT_NE(svc.output().find("request"), std::string::npos);
  EXPECT_EQ(svc.output().find(db.password()), std::string::npos);
}

TEST(CustomersFaults, ConnectionsTheDatabaseDroppedAreReplacedWithoutFailingRequests) {
  ScratchDatabase db("customers_dropped");
  ServiceProcess svc("customers-service", db.dsn(), {"--db-pool-size=4"});
  auto c = svc.client();
  ASSERT_EQ(c.Post("/v1/customers", kAlice, "application/json")->status, 201);
  {  // three requests at once: the pool opens (and then keeps idle) several connections
    TableLock lock(db);
    std::vector<std::future<int>> parallel;
    for (int i = 0; i < 3; ++i)
      parallel.push_back(std::async(std::launch::async, [&] {
        auto r = svc.client().Get("/v1/customers/1");
        return r ? r->status : -1;
      }));
    std::this_thread::sleep_for(300ms);
    lock.release();
    for (auto& f : parallel) ASSERT_EQ(f.get(), 200);
  }
  {
    pqxx::connection admin(db.admin_dsn());
    ASSERT_GE(std::stoi(scalar(admin, "SELECT count(*) FROM pg_stat_activity WHERE usename = '" +
                                          db.role() + "'")),
              4)
        << "three pooled connections and the flag agent's";
  }
  db.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + db.role() +
           "' AND pid <> pg_backend_pid()");
  std::this_thread::sleep_for(300ms);
  for (const std::string path : {"/v1/customers/1", "/v2/customers?limit=5"}) {
    auto r = c.Get(path.c_str());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
  }
  auto w = c.Post("/v1/customers", kAlice, "application/json");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->status, 201);
}

TEST(CustomersFaults, SigtermFinishesTheRequestInFlightThenExitsZero) {
  ScratchDatabase db("customers_sigterm");
  ServiceProcess svc("customers-service", db.dsn(), {"--drain-delay-ms=1000"});
  auto c = svc.client();
  ASSERT_EQ(c.Post("/v1/customers", kAlice, "application/json")->status, 201);

  TableLock lock(db);
  auto in_flight = std::async(std::launch::async, [&] {
    auto slow = svc.client();
    auto r = slow.Get("/v1/customers/1");
    return r ? r->status : -1;
  });
  std::this_thread::sleep_for(300ms);  // the request is waiting on the lock
  svc.process().signal(SIGTERM);
  EXPECT_TRUE(eventually(
      [&] {
        auto r = c.Get("/readyz");
        return r && r->status == 503;
      },
      900ms))
      << "not ready at once, while still serving";
  std::this_thread::sleep_for(1200ms);  // past the drain delay: the listener is closed
  httplib::Client late("127.0.0.1", svc.port());
  late.set_connection_timeout(1, 0);
  auto refused = late.Get("/healthz");
  EXPECT_FALSE(refused) << "no new connections after the drain delay";
  EXPECT_EQ(in_flight.wait_for(0ms), std::future_status::timeout) << "still waiting on the lock";
  EXPECT_TRUE(svc.process().running());

  lock.release();
  EXPECT_EQ(in_flight.get(), 200) << "the in-flight request completed";
  EXPECT_EQ(svc.process().wait(), 0) << svc.output();
  EXPECT_FALSE(svc.log_lines("shutdown complete").empty()) << svc.output();
  const auto steps = svc.log_lines("shutdown step done");
  ASSERT_EQ(steps.size(), 1u) << svc.output();
  EXPECT_EQ(steps[0]["step"], "flag agent") << "the hooks run after the drain";
}

TEST(CustomersFaults, NotReadyUntilTheFlagsCouldBeRead) {
  ScratchDatabase db("customers_flagwait");
  // The flag tables exist but this role may not read them (a misconfigured grant).
  db.admin(
      "CREATE SCHEMA schemashift; "
      "CREATE TABLE schemashift.flags (key text PRIMARY KEY, value text NOT NULL, "
      " generation bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now()); "
      "CREATE TABLE schemashift.flag_acks (service text NOT NULL, instance text NOT NULL, "
      " key text NOT NULL, value text NOT NULL, generation bigint NOT NULL, "
      " heartbeat_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (service, instance, key))");
  ServiceProcess svc("customers-service", db.dsn(), {}, /*wait_ready=*/false);
  auto c = svc.client();
  std::this_thread::sleep_for(1500ms);
  auto pending = c.Get("/readyz");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->status, 503);
  EXPECT_EQ(json::parse(pending->body)["checks"]["flags"], "pending") << pending->body;
  EXPECT_EQ(json::parse(pending->body)["checks"]["database"], "ok");
  db.admin("GRANT USAGE, CREATE ON SCHEMA schemashift TO " + db.role() +
           "; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA schemashift TO " + db.role());
  EXPECT_TRUE(eventually(
      [&] {
        auto r = c.Get("/readyz");
        return r && r->status == 200;
      },
      10s))
      << svc.output();
}

TEST(CustomersFaults, ARequestThatNeverEndsCannotHoldTheProcessPastItsGrace) {
  ScratchDatabase db("customers_grace");
  ServiceProcess svc(
      "customers-service", db.dsn(),
      {"--drain-delay-ms=200", "--shutdown-grace-ms=2000", "--db-statement-timeout-ms=60000"});
  auto c = svc.client();
  ASSERT_EQ(c.Post("/v1/customers", kAlice, "application/json")->status, 201);
  TableLock lock(db);  // never released while the service lives
  auto stuck = std::async(std::launch::async, [&] {
    auto slow = svc.client();
    return static_cast<bool>(slow.Get("/v1/customers/1"));
  });
  std::this_thread::sleep_for(300ms);
  const auto t0 = Clock::now();
  svc.process().signal(SIGTERM);
  const int code = svc.process().wait();
  const auto took = Clock::now() - t0;
  EXPECT_EQ(code, 1) << "a shutdown that did not drain is not a clean exit";
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 3500ms) << "the grace is a deadline";
  EXPECT_FALSE(svc.log_lines("shutdown grace expired; exiting now").empty()) << svc.output();
  EXPECT_FALSE(stuck.get()) << "the stuck request's connection ended with the process";
}

TEST(CustomersFaults, ABusyPoolIsNotADownDatabaseForReadiness) {
  ScratchDatabase db("customers_busy");
  ServiceProcess svc("customers-service", db.dsn(), {"--db-pool-size=1"});
  auto c = svc.client();
  ASSERT_EQ(c.Post("/v1/customers", kAlice, "application/json")->status, 201);
  TableLock lock(db);
  auto busy = std::async(std::launch::async, [&] {
    auto slow = svc.client();
    auto r = slow.Get("/v1/customers/1");
    return r ? r->status : -1;
  });
  std::this_thread::sleep_for(300ms);  // the only connection waits on the lock
  const auto t0 = Clock::now();
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_LT(Clock::now() - t0, 500ms) << "the probe does not queue behind the requests";
  auto other = c.Get("/v1/customers/1");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 503) << "a request does wait, and gives up at the acquire timeout";
  lock.release();
  EXPECT_EQ(busy.get(), 200);
}

TEST(CustomersFaults, ConnectionsBeyondThePoolAndQueueGet503AtOnce) {
  ScratchDatabase db("customers_overload");
  ServiceProcess svc("customers-service", db.dsn(), {"--http-threads=1", "--http-queue=0"});
  // With one worker and no queue, a connection that arrives while the worker is still closing
  // the previous one is refused too: the set-up retries until it gets the worker.
  auto until_served = [&](const std::function<httplib::Result(httplib::Client&)>& call) {
    auto c = svc.client();
    for (int i = 0; i < 100; ++i) {
      auto r = call(c);
      if (r && r->status != 503) return r->status;
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  };
  ASSERT_EQ(until_served([](httplib::Client& c) {
              return c.Post("/v1/customers", kAlice, "application/json");
            }),
            201);
  TableLock lock(db);
  auto busy = std::async(std::launch::async, [&] {
    return until_served([](httplib::Client& c) { return c.Get("/v1/customers/1"); });
  });
  std::this_thread::sleep_for(300ms);
  const auto t0 = Clock::now();
  httplib::Client other("127.0.0.1", svc.port());
  auto r = other.Get("/v1/customers/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  EXPECT_LT(Clock::now() - t0, 1s);
  lock.release();
  EXPECT_EQ(busy.get(), 200);
  EXPECT_TRUE(eventually(
      [&] {
        auto ok = other.Get("/v1/customers/1");
        return ok && ok->status == 200;
      },
      10s));
}

}  // namespace
