// The operator in a hostile or under-privileged database, tried as a new user would: each test
// has a database and a role of its own (not a superuser). Functions, operators, aggregates and
// types that shadow pg_catalog's are planted in `public` and in a schema that comes before
// pg_catalog on the role's search_path, each recording its calls; a whole migration (plan,
// expand with CREATE INDEX CONCURRENTLY, flags with an instance acknowledging, backfill,
// verify, contract) and its gates then reach none of them, while the user's own SQL still
// finds the user's tables. A schemashift schema another role owns is refused, as is a
// search_path that would put the user's tables into the state schema; gates whose role cannot
// see what they need are errors naming the missing role, never a zero; a connection string
// never falls back to the PG* environment; a gate's detail loses URL credentials.
#include <atomic>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/time.h"
#include "controller/pg_runner.h"
#include "flag_agent.h"
#include "gates/pg_statements.h"
#include "gates/replica_lag.h"
#include "migration/decide.h"
#include "migration/spec.h"
#include "pg/ddl.h"
#include "pg/verify.h"
#include "support/helpers.h"
#include "support/scratch_database.h"

namespace {

using namespace std::chrono_literals;
using schemashift::controller::PgRunner;
using schemashift::testing::scalar;
using schemashift::testing::ScratchDatabase;
namespace gates = schemashift::gates;
namespace migration = schemashift::migration;

// A recording stand-in: `shadow.<name>(<args>)` notes its call, then does what pg_catalog's does.
std::string shadow_function(const std::string& schema, const std::string& name,
                            const std::string& args, const std::string& returns,
                            const std::string& call) {
  return "CREATE FUNCTION " + schema + "." + name + "(" + args + ") RETURNS " + returns +
         " LANGUAGE plpgsql SET search_path = pg_catalog AS $f$ BEGIN PERFORM shadow.hit('" +
         schema + "." + name + "(" + args + ")'); " +
         (returns == "void" ? "PERFORM " + call + "; RETURN" : "RETURN " + call) + "; END $f$;\n";
}

std::string shadow_operator(const std::string& op, const std::string& fn, const std::string& l,
                            const std::string& r, const std::string& returns) {
  return "CREATE FUNCTION shadow." + fn + "(a " + l + ", b " + r + ") RETURNS " + returns +
         " LANGUAGE plpgsql SET search_path = pg_catalog AS $f$ BEGIN PERFORM shadow.hit('" + op +
         " (" + l + ", " + r + ")'); RETURN a OPERATOR(pg_catalog." + op + ") b; END $f$;\n" +
         "CREATE OPERATOR shadow." + op + " (LEFTARG = " + l + ", RIGHTARG = " + r +
         ", FUNCTION = shadow." + fn + ");\n";
}

std::string plant_sql() {
  std::string s =
      "CREATE SCHEMA shadow;\n"
      "CREATE TABLE shadow.calls (fn pg_catalog.text NOT NULL);\n"
      "GRANT USAGE ON SCHEMA shadow TO PUBLIC;\n"
      "GRANT INSERT, SELECT ON shadow.calls TO PUBLIC;\n"
      "CREATE FUNCTION shadow.hit(fn pg_catalog.text) RETURNS void LANGUAGE sql "
      "SET search_path = pg_catalog AS $f$ INSERT INTO shadow.calls VALUES (fn) $f$;\n"
      "CREATE FUNCTION shadow.hit_ok(fn pg_catalog.text) RETURNS boolean LANGUAGE sql "
      "SET search_path = pg_catalog AS $f$ INSERT INTO shadow.calls VALUES (fn) RETURNING true "
      "$f$;\n";
  for (const char* schema : {"shadow", "public"}) {
    const std::string sc = schema;
    s += shadow_function(sc, "now", "", "timestamptz", "pg_catalog.now()");
    s += shadow_function(sc, "to_regclass", "text", "regclass", "pg_catalog.to_regclass($1)");
    s += shadow_function(sc, "md5", "text", "text", "pg_catalog.md5($1)");
    s += shadow_function(sc, "jsonb_set", "jsonb, text[], jsonb", "jsonb",
                         "pg_catalog.jsonb_set($1, $2, $3)");
    s += shadow_function(sc, "substr", "text, integer, integer", "text",
                         "pg_catalog.substr($1, $2, $3)");
    s += shadow_function(sc, "pg_try_advisory_lock", "bigint", "boolean",
                         "pg_catalog.pg_try_advisory_lock($1)");
  }
  // The overloads that win over pg_catalog's bigint ones without any search_path change.
  s += shadow_function("public", "pg_advisory_xact_lock", "integer", "void",
                       "pg_catalog.pg_advisory_xact_lock($1)");
  s += shadow_function("public", "pg_try_advisory_lock", "integer", "boolean",
                       "pg_catalog.pg_try_advisory_lock($1)");
  s += shadow_function("shadow", "pg_advisory_xact_lock", "bigint", "void",
                       "pg_catalog.pg_advisory_xact_lock($1)");
  s += shadow_function("shadow", "pg_notify", "text, text", "void", "pg_catalog.pg_notify($1, $2)");
  s += shadow_function("shadow", "pg_backend_pid", "", "integer", "pg_catalog.pg_backend_pid()");
  s += shadow_function("shadow", "current_setting", "text", "text",
                       "pg_catalog.current_setting($1)");
  s += shadow_function("shadow", "set_config", "text, text, boolean", "text",
                       "pg_catalog.set_config($1, $2, $3)");
  s += shadow_function("shadow", "pg_has_role", "name, text", "boolean",
                       "pg_catalog.pg_has_role($1, $2)");
  s += shadow_function("shadow", "pg_current_wal_lsn", "", "pg_lsn",
                       "pg_catalog.pg_current_wal_lsn()");
  s += shadow_function("shadow", "pg_wal_lsn_diff", "pg_lsn, pg_lsn", "numeric",
                       "pg_catalog.pg_wal_lsn_diff($1, $2)");
  s += shadow_function("shadow", "current_database", "", "name", "pg_catalog.current_database()");
  s += shadow_function("shadow", "current_schema", "", "name", "pg_catalog.current_schema()");
  s += shadow_function("shadow", "upper", "text", "text", "pg_catalog.upper($1)");
  s += shadow_function("shadow", "ltrim", "text", "text", "pg_catalog.ltrim($1)");
  s +=
      shadow_function("shadow", "\"left\"", "text, integer", "text", "pg_catalog.\"left\"($1, $2)");
  s += shadow_function("shadow", "date_trunc", "text, interval", "interval",
                       "pg_catalog.date_trunc($1, $2)");
  s += shadow_function("shadow", "array_to_string", "anyarray, text", "text",
                       "pg_catalog.array_to_string($1, $2)");
  s +=
      shadow_function("shadow", "pg_get_userbyid", "oid", "name", "pg_catalog.pg_get_userbyid($1)");
  s += shadow_function(
      "shadow", "make_interval",
      "years integer DEFAULT 0, months integer DEFAULT 0, weeks integer DEFAULT 0, days integer "
      "DEFAULT 0, hours integer DEFAULT 0, mins integer DEFAULT 0, secs double precision DEFAULT 0",
      "interval", "pg_catalog.make_interval(years, months, weeks, days, hours, mins, secs)");
  // Aggregates.
  s += "CREATE FUNCTION shadow.max_step(a bigint, b bigint) RETURNS bigint LANGUAGE plpgsql "
       "SET search_path = pg_catalog AS $f$ BEGIN PERFORM shadow.hit('max(bigint)'); RETURN "
       "pg_catalog.greatest(a, b); END $f$;\n"
       "CREATE AGGREGATE shadow.max(bigint) (SFUNC = shadow.max_step, STYPE = bigint);\n"
       "CREATE AGGREGATE shadow.min(bigint) (SFUNC = shadow.max_step, STYPE = bigint);\n";
  // Operators.
  s += shadow_operator("=", "eq_text", "text", "text", "boolean");
  s += shadow_operator("<>", "ne_text", "text", "text", "boolean");
  s += shadow_operator("||", "cat_text", "text", "text", "text");
  s += shadow_operator("~*", "match_text", "text", "text", "boolean");
  s += shadow_operator(">", "gt_int8", "bigint", "bigint", "boolean");
  s += shadow_operator(">=", "ge_int8", "bigint", "bigint", "boolean");
  s += shadow_operator("<=", "le_int8", "bigint", "bigint", "boolean");
  s += shadow_operator("+", "plus_int84", "bigint", "integer", "bigint");
  s += shadow_operator("<<", "shl_int8", "bigint", "integer", "bigint");
  s += shadow_operator("|", "or_int8", "bigint", "bigint", "bigint");
  s += shadow_operator("-", "minus_tstz", "timestamptz", "timestamptz", "interval");
  s += shadow_operator(">", "gt_interval", "interval", "interval", "boolean");
  // Types, last (the DDL above names pg_catalog's): a cast to one of them runs its check.
  for (const char* t : {"text", "jsonb", "float8", "timestamptz", "regclass"}) {
    s += std::string("CREATE DOMAIN shadow.") + t + " AS pg_catalog." + t +
         " CHECK (shadow.hit_ok('type " + t + "'));\n";
  }
  return s;
}

class HostileDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.admin(plant_sql());
    db_.admin("ALTER ROLE " + role() + " IN DATABASE " + name() +
              " SET search_path = shadow, pg_catalog, \"$user\", public");
    db_.admin("GRANT pg_monitor TO " + role());
    db_.admin(
        "CREATE SCHEMA stats; GRANT USAGE ON SCHEMA stats TO PUBLIC; "
        "CREATE EXTENSION pg_stat_statements SCHEMA stats");
  }
  std::string role() const { return pqxx::connection(db_.admin_dsn()).quote_name(db_.role()); }
  std::string name() const { return pqxx::connection(db_.admin_dsn()).quote_name(db_.name()); }
  std::string calls() {
    pqxx::connection c(db_.admin_dsn());
    return scalar(c,
                  "SELECT count(*) || ' ' || coalesce(string_agg(DISTINCT fn, ', '), '') FROM "
                  "shadow.calls");
  }

  ScratchDatabase db_{"hostile"};
};

nlohmann::json migration_object() {
  return nlohmann::json::parse(R"json({
    "metadata": {"name": "hostile", "namespace": "default", "generation": 1},
    "spec": {
      "database": {"secretRef": {"name": "db"}},
      "targets": [{"service": "orders-svc", "deployment": "orders", "flagKey": "orders.amount"}],
      "expand": {"sql": ["ALTER TABLE orders ADD COLUMN amount numeric(12,2)",
                         "CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount)"]},
      "backfill": {"table": "orders", "keyColumn": "id", "set": "amount = amount_cents / 100.0",
                   "pendingWhere": "amount IS NULL", "minBatch": 10, "maxBatch": 400},
      "verify": {
        "checks": [{"name": "amounts", "expect": "0",
                    "sql": "SELECT count(*) FROM orders WHERE amount * 100 IS DISTINCT FROM amount_cents"}],
        "checksums": [{"name": "cents", "table": "orders", "keyColumn": "id",
                       "old": "amount_cents", "new": "(amount * 100)::int"}]},
      "contract": {"sql": ["ALTER TABLE orders DROP COLUMN amount_cents"], "approval": "Auto"},
      "rollback": {"sql": ["ALTER TABLE orders DROP COLUMN IF EXISTS amount"]},
      "gates": [
        {"name": "replica", "provider": "postgresReplicaLag", "maxLagBytes": 1000000000},
        {"name": "readers", "provider": "postgresStatements", "pattern": "\\mamount_cents\\M"}]
    }})json");
}

TEST_F(HostileDatabase, AWholeMigrationAndItsGatesReachNoneOfThePlantedObjects) {
  {
    // The plants work: the role's own unqualified calls reach them (else this test proves nothing).
    pqxx::connection user(db_.dsn());
    pqxx::work tx(user);
    tx.exec("SELECT now(), pg_advisory_xact_lock(42), md5('x'), 'a'::text || 'b'");
    tx.exec0("CREATE TABLE public.orders (id bigserial PRIMARY KEY, amount_cents int NOT NULL)");
    tx.exec0("INSERT INTO public.orders (amount_cents) SELECT g FROM generate_series(1, 3000) g");
    tx.commit();
  }
  ASSERT_NE(calls().rfind("0 ", 0), 0u) << "the planted functions were not reached: " << calls();
  EXPECT_NE(calls().find("public.pg_advisory_xact_lock(integer)"), std::string::npos) << calls();
  db_.admin("TRUNCATE shadow.calls");

  auto spec = migration::parse_spec(migration_object());
  ASSERT_TRUE(spec) << spec.error()[0].describe();
  auto connected = PgRunner::connect("default/hostile", db_.dsn());
  ASSERT_TRUE(connected) << connected.error().message;
  auto runner = std::move(*connected);
  std::vector<std::string> warnings;
  runner->set_warning_sink([&](const std::string& w) { warnings.push_back(w); });

  // One instance of the target service, acknowledging flags over its own connection.
  schemashift::svc::FlagAgent agent({.dsn = db_.dsn(),
                                     .service = "orders-svc",
                                     .instance = "pod-1",
                                     .poll = 100ms,
                                     .heartbeat = 100ms},
                                    [](const std::string&, const std::string&) { return true; });
  agent.start();

  migration::MigrationStatus status;
  for (int i = 0; i < 400 && !migration::is_terminal(status.phase); ++i) {
    migration::Observations obs;
    for (const auto& [service, b] : runner->barriers(*spec, status, {{"orders", 1}})) {
      obs.barrier[service] = b.detail;
      if (b.held) obs.acknowledged[service] = *status.target(service)->mode;
    }
    const std::string now = schemashift::rfc3339_now();
    auto d = migration::decide(*spec, status, obs, now);
    status = d.status;
    for (const auto& a : d.actions) {
      auto o = runner->run(a, *spec, status);
      o.action = a;
      status = migration::apply_outcome(*spec, status, o, now);
      ASSERT_TRUE(o.ok) << o.error;
    }
    runner->record_phase(migration::to_string(status.phase));
    if (d.actions.empty()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(status.phase, migration::Phase::kCompleted) << status.last_error;

  // Gates, measured as the reconciler does.
  for (const auto& g : spec->gates) {
    auto first = runner->measure(g);
    EXPECT_NE(first.kind, gates::MeasurementKind::kError) << g.name << ": " << first.detail;
    auto second = runner->measure(g);
    EXPECT_EQ(second.kind, gates::MeasurementKind::kValue) << g.name << ": " << second.detail;
  }
  agent.stop();
  runner.reset();

  EXPECT_EQ(calls(), "0 ") << "the operator's own SQL reached planted objects";
  // The user's SQL found the user's table and did its work.
  pqxx::connection admin(db_.admin_dsn());
  EXPECT_EQ(scalar(admin, "SELECT sum(amount) FROM public.orders"), "45015.00");
  EXPECT_EQ(scalar(admin,
                   "SELECT count(*) FROM pg_attribute WHERE attrelid = "
                   "'public.orders'::regclass AND attname = 'amount_cents' AND NOT "
                   "attisdropped"),
            "0");
  EXPECT_EQ(scalar(admin,
                   "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = "
                   "'schemashift'"),
            db_.role());
}

// The paths a smooth migration does not take: a fence held by another runner (its holder is
// looked up), a DDL whose lock is not granted (its blockers, an invalid index to drop), a long
// transaction reported beforehand, rows still pending, a checksum mismatch located.
TEST_F(HostileDatabase, TheOperatorsRarerQueriesReachNoneOfThemEither) {
  pqxx::connection user(db_.dsn());
  {
    pqxx::work tx(user);
    tx.exec0("CREATE TABLE public.t (id bigserial PRIMARY KEY, a int, b int)");
    tx.exec0("INSERT INTO public.t (a, b) SELECT g, g FROM generate_series(1, 200) g");
    tx.exec0("UPDATE public.t SET b = -1 WHERE id = 150");
    tx.commit();
  }
  db_.admin("TRUNCATE shadow.calls");
  auto first = PgRunner::connect("default/rare", db_.dsn());
  ASSERT_TRUE(first) << first.error().message;
  auto second = PgRunner::connect("default/rare", db_.dsn());
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().fenced_out);
  EXPECT_NE(second.error().message.find("backend pid"), std::string::npos)
      << second.error().message;

  // Another session holds a lock that ALTER TABLE and CREATE INDEX CONCURRENTLY both wait for.
  std::atomic<bool> holding{false};
  std::thread holder([&] {
    pqxx::connection h(db_.dsn());
    pqxx::work tx(h);
    tx.exec0("LOCK TABLE public.t IN SHARE UPDATE EXCLUSIVE MODE");
    holding = true;
    std::this_thread::sleep_for(1500ms);
    tx.commit();
  });
  while (!holding) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(1100ms);
  pqxx::connection work(db_.dsn());
  EXPECT_FALSE(schemashift::pg::long_transactions_on(work, "t", 1s).empty());
  const schemashift::pg::DdlConfig cfg{
      .migration = "default/rare", .epoch = (*first)->epoch(), .budget = 0ms};
  auto alter = schemashift::pg::apply_ddl(work, "ALTER TABLE t ADD COLUMN c int", cfg);
  auto index = schemashift::pg::apply_ddl(work, "CREATE INDEX CONCURRENTLY t_a ON t (a)", cfg);
  holder.join();
  ASSERT_FALSE(alter);
  EXPECT_NE(alter.error().message.find("blocked by pid"), std::string::npos)
      << alter.error().message;
  ASSERT_FALSE(index);
  EXPECT_TRUE(index.error().retriable) << index.error().message;

  EXPECT_EQ(schemashift::pg::pending_rows(work, "t", "b < 0"), 1);
  auto report = schemashift::pg::compare_checksums(work, {"t", "id", "a", "b", 100});
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_NE(report.failures[0].find("first at id = 150"), std::string::npos) << report.failures[0];
  first->reset();  // closes its connections
  EXPECT_EQ(calls(), "0 ") << "the operator's own SQL reached planted objects";
}

TEST_F(HostileDatabase, AStateSchemaAnotherRoleOwnsIsRefused) {
  const std::string intruder = db_.role() + "_x";
  db_.admin("CREATE ROLE " + intruder + "; CREATE SCHEMA schemashift AUTHORIZATION " + intruder);
  auto r = PgRunner::connect("default/foreign", db_.dsn());
  db_.admin("DROP SCHEMA schemashift; DROP ROLE " + intruder);
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().fenced_out);
  EXPECT_NE(r.error().message.find("schema schemashift is owned by role " + intruder),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find(db_.password()), std::string::npos);
}

TEST_F(HostileDatabase, ASearchPathThatPutsUserTablesIntoTheStateSchemaIsRefused) {
  db_.admin("ALTER ROLE " + role() + " IN DATABASE " + name() +
            " SET search_path = schemashift, public");
  auto r = PgRunner::connect("default/path", db_.dsn());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("puts schema schemashift first"), std::string::npos)
      << r.error().message;
}

TEST_F(HostileDatabase, GatesWhoseRoleCannotSeeAreErrorsNamingTheMissingRoleNeverZero) {
  db_.admin("REVOKE pg_monitor FROM " + role());
  pqxx::connection c(db_.dsn());
  auto lag = gates::measure_replica_lag(c);
  EXPECT_EQ(lag.kind, gates::MeasurementKind::kError) << lag.detail;
  EXPECT_NE(lag.detail.find("pg_monitor"), std::string::npos) << lag.detail;
  gates::StatementsProvider statements;
  auto st = statements.measure(c, "readers", {{"pattern", "amount_cents"}});
  EXPECT_EQ(st.kind, gates::MeasurementKind::kError) << st.detail;
  EXPECT_NE(st.detail.find("pg_read_all_stats"), std::string::npos) << st.detail;

  // With the privileges they measure.
  db_.admin("GRANT pg_read_all_stats TO " + role());
  pqxx::connection granted(db_.dsn());
  lag = gates::measure_replica_lag(granted);
  EXPECT_EQ(lag.kind, gates::MeasurementKind::kValue) << lag.detail;
  st = statements.measure(granted, "readers", {{"pattern", "amount_cents"}});
  EXPECT_EQ(st.kind, gates::MeasurementKind::kNoData) << st.detail;  // the baseline
}

TEST(ConnectionString, NeverFallsBackToThePgEnvironment) {
  ScratchDatabase db("envfallback");
  const std::vector<std::pair<std::string, std::string>> env = {{"PGHOST", db.host()},
                                                                {"PGPORT", db.port()},
                                                                {"PGUSER", db.role()},
                                                                {"PGPASSWORD", db.password()},
                                                                {"PGDATABASE", db.name()}};
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  bool libpq_would = false;
  try {
    pqxx::connection plain("");  // what libpq does with an empty string: the environment
    libpq_would = plain.is_open();
  } catch (const std::exception&) {
  }
  auto empty = PgRunner::connect("default/env", "");
  auto partial = PgRunner::connect("default/env", "dbname=" + db.name());
  for (const auto& [k, v] : env) ::unsetenv(k.c_str());
  EXPECT_TRUE(libpq_would) << "the environment alone reaches the database (control)";
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos) << empty.error().message;
  ASSERT_FALSE(partial) << "connected with the operator's PGHOST/PGPORT/PGUSER/PGPASSWORD";
  EXPECT_EQ(partial.error().message.find(db.password()), std::string::npos);
  EXPECT_EQ(partial.error().message.find(db.port()), std::string::npos)
      << "it went to the PGPORT server: " << partial.error().message;
}

}  // namespace

namespace {

// What a gate records (status, events, log) goes through the scrubber: a URL's userinfo and
// token parameters, and the database's own password (short or not), are masked.
TEST(GateDetails, LoseUrlCredentialsAndTheDatabasePassword) {
  ScratchDatabase db("gatedetail");
  auto connected = PgRunner::connect("default/gate", db.dsn());
  ASSERT_TRUE(connected) << connected.error().message;
  gates::GateSpec web;
  web.name = "web";
  web.provider = "web";
  web.params = {{"url", "http://bob:Tok3n-s3cret@127.0.0.1:1/health?token=Tok3n-s3cret&q=1&pw=" +
                            db.password()},
                {"jsonPath", "$.x"}};
  auto m = (*connected)->measure(web);
  EXPECT_EQ(m.kind, gates::MeasurementKind::kError);
  EXPECT_NE(m.detail.find("http://***@127.0.0.1:1/health?token=***&q=1"), std::string::npos)
      << m.detail;
  EXPECT_EQ(m.detail.find("Tok3n-s3cret"), std::string::npos) << m.detail;
  EXPECT_EQ(m.detail.find(db.password()), std::string::npos) << m.detail;
}

}  // namespace
