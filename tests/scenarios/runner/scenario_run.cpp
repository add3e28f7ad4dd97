#include "scenarios/runner/scenario_run.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include <httplib.h>
#include <pqxx/pqxx>

#include "e2e/registry_probe.h"
#include "e2e/services_shop.h"
#include "e2e/shop_migration.h"
#include "scenarios/load/ledger_check.h"
#include "scenarios/load/load_generator.h"
#include "scenarios/runner/manifest_rewrite.h"
#include "scenarios/runner/naive_image.h"
#include "scenarios/runner/progress.h"
#include "support/process.h"
#include "support/stack_env.h"

namespace schemashift::scenarios {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::Shop;
using testing::ShopOperator;
using testing::stack_var;

constexpr double kWarmupS = 4;     // the load alone before the change
constexpr double kTailS = 3;       // and after it ended
constexpr int kFaultCustomer = 7;  // GET /v2/customers/7 answers 500 in the fault run
constexpr auto kMigrationTimeout = 900s;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void exec(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

// The data every scenario starts from: seeded customers (with an address and a country) and
// orders for them, written straight into the services' tables.
void seed(Shop& shop, const Seed& n) {
  exec(shop.db("customers").dsn(),
       "INSERT INTO customers (first_name, last_name, email, street, city, postal_code, country) "
       "SELECT 'seed-' || g, 'Family-' || g, 'c' || g || '@seed.example.org', g || ' Seed Street', "
       "'Berlin', '10115', (ARRAY['DE','FR','NL','IT','ES','PL','SE','US'])[1 + g % 8] "
       "FROM generate_series(1, " +
           std::to_string(n.customers) + ") g; ANALYZE customers");
  exec(shop.db("orders").dsn(),
       "INSERT INTO orders (customer_id, status, amount_cents) "
       "SELECT 1 + g % " +
           std::to_string(n.customers) + ", 'created', 100 + (g * 37) % 100000 " +
           "FROM generate_series(1, " + std::to_string(n.orders) + ") g; ANALYZE orders");
  // The statements evidence reads pg_stat_statements, which the role may read in full.
  for (const char* s : {"customers", "orders"}) {
    shop.db(s).admin("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    shop.db(s).admin("GRANT pg_read_all_stats TO " +
                     pqxx::connection(shop.db(s).admin_dsn()).quote_name(shop.db(s).role()));
  }
}

void write_flag(Shop& shop, const PriorFlag& f) {
  pqxx::connection c(shop.db(f.service).dsn());
  pqxx::work tx(c);
  tx.exec_params(
      "INSERT INTO schemashift.flags (key, value, generation) VALUES ($1, $2, 1) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
      "generation = schemashift.flags.generation + 1, updated_at = now()",
      f.key, f.value);
  tx.exec0("NOTIFY schemashift_flags");
  tx.commit();
}

// A transaction holding ACCESS SHARE on `table` for `seconds`: the long report.
std::thread blocker(const std::string& dsn, const std::string& table, double seconds) {
  return std::thread([dsn, table, seconds] {
    try {
      pqxx::connection c(dsn);
      pqxx::work tx(c);
      tx.exec("SELECT count(*) FROM " + tx.quote_name(table));
      tx.exec("SELECT pg_sleep(" + std::to_string(seconds) + ")");
      tx.commit();
    } catch (const std::exception&) {
    }
  });
}

// The client the fault run adds: GET of the faulty customer through /v2 at 50/s.
class Breach {
 public:
  explicit Breach(const std::string& url) {
    thread_ = std::thread([this, url] {
      httplib::Client http(url);
      http.set_read_timeout(2s);
      while (!stop_) {
        (void)http.Get("/v2/customers/" + std::to_string(kFaultCustomer),
                       {{"X-Client-Id", "breach"}});
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  ~Breach() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string gates_line(const json& status) {
  std::string out;
  for (const auto& g : status.value("gates", json::array())) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%s %.3g%s", g.value("name", "").c_str(),
                  g.value("lastValue", 0.0), g.value("tripped", false) ? " TRIPPED" : "");
    out += (out.empty() ? "" : ", ") + std::string(buf);
  }
  return out.empty() ? "" : "gates: " + out;
}

std::string backfill_line(const json& status) {
  const auto b = status.value("backfill", json::object());
  const auto done = b.value("rowsDone", std::int64_t{0});
  const auto est = b.value("rowsEstimated", std::int64_t{0});
  const double rate = b.value("rowsPerSecond", 0.0);
  if (done == 0 && est == 0) return "";
  char buf[128];
  const double eta = rate > 0 && est > done ? static_cast<double>(est - done) / rate : 0;
  std::snprintf(buf, sizeof(buf), "rows %lld/%lld %.1fk/s ETA %.0fs", static_cast<long long>(done),
                static_cast<long long>(est), rate / 1000, eta);
  return buf;
}

std::string load_line(const LoadGenerator& load) {
  const auto c = load.counts();
  const double t = std::max(1.0, load.seconds_since_start());
  char buf[96];
  std::snprintf(buf, sizeof(buf), "load %.0f req/s, %lld errors, %lld wrong",
                static_cast<double>(c.requests) / t, static_cast<long long>(c.errors),
                static_cast<long long>(c.wrong));
  return buf;
}

json row_json(const RowCheck& r) {
  return {{"checked", r.checked}, {"lost", r.lost}, {"wrong", r.wrong}, {"examples", r.examples}};
}

json event_json(const EventCheck& e) {
  return {{"produced", e.produced},           {"lost", e.lost},
          {"duplicated", e.duplicated},       {"misread", e.misread},
          {"dead_lettered", e.dead_lettered}, {"examples", e.examples}};
}

}  // namespace

const char* to_string(RunKind k) {
  switch (k) {
    case RunKind::kSafe:
      return "safe";
    case RunKind::kNaive:
      return "naive";
    case RunKind::kFault:
      return "fault";
  }
  return "?";
}

Seed seed_for(const std::string& size) {
  if (size == "full") return {200000, 1000000};
  if (size == "small") return {20000, 50000};
  throw std::invalid_argument("size: '" + size + "' is neither small nor full");
}

json run_scenario(const Scenario& s, RunKind kind, const RunOptions& o) {
  Progress progress;
  char num[8];
  std::snprintf(num, sizeof(num), "%02d", s.number);
  const std::string label = std::string(num) + " " + to_string(kind);
  const Seed n = seed_for(o.size);
  const auto wall_start = std::chrono::steady_clock::now();

  // The naive image is built before anything runs, so its build time is no part of the run.
  std::string naive_tag;
  for (const auto& step : s.naive)
    if (kind == RunKind::kNaive && step.kind == NaiveStep::Kind::kPatchedImage) {
      progress.say("[" + label + "] building the naive image from " + s.slug + "/" + step.file);
      naive_tag = build_naive_image(o.source_dir, o.build_dir, s.slug, step.file, step.service);
    }

  progress.say("[" + label + "] installing the shop (3 charts on the real node) and seeding " +
               std::to_string(n.customers) + " customers, " + std::to_string(n.orders) + " orders");
  Shop shop;
  std::map<std::string, std::string> values;
  if (kind == RunKind::kFault)
    values["customers"] =
        "--set 'extraEnv[0].name=FAULT_V2_CUSTOMER_IDS' --set-string "
        "'extraEnv[0].value=" +
        std::to_string(kFaultCustomer) + "'";
  shop.install_all(values);
  seed(shop, n);
  for (const auto& f : s.prior_flags) write_flag(shop, f);

  std::unique_ptr<ShopOperator> op;
  json manifest;
  if (kind != RunKind::kNaive) {
    op = std::make_unique<ShopOperator>(shop);
    ShopAddresses addr;
    addr.ns = shop.ns();
    for (const auto& svc : testing::kShopServices) {
      addr.secrets[svc + "-db"] = ShopOperator::secret(svc);
      addr.metrics_urls[svc] = shop.metrics_url(svc);
    }
    addr.kafka_bootstrap = stack_var("KAFKA_BOOTSTRAP");
    addr.registry_url = stack_var("SCHEMA_REGISTRY_URL");
    addr.topic = shop.topic();
    addr.consumer_group = shop.ns();
    Pace pace;
    if (o.size == "small") pace.evidence_window_s = 6;
    if (kind == RunKind::kFault) {  // a backfill long enough to be caught in the middle
      pace.max_batch = 100;
      pace.duty_cycle = 0.05;
    }
    manifest = rewrite_manifest(
        read_file(o.source_dir + "/scenarios/" + s.slug + "/migration.yaml"), addr, pace);
  }

  const std::string prefix = o.out_dir + "/" + to_string(kind);
  LoadGenerator load({shop.url("customers"), shop.url("orders"), n.customers}, s.clients,
                     prefix + ".ledger.jsonl");
  load.start();
  while (load.seconds_since_start() < kWarmupS) {
    progress.update(label, "load only", load_line(load));
    std::this_thread::sleep_for(250ms);
  }
  testing::RegistryProbe registry(stack_var("SCHEMA_REGISTRY_URL"));
  const std::string subject = shop.topic() + "-value";
  // The safe rollout's premise is a subject with a compatibility rule the registry enforces;
  // the hurried team's subject has the registry's default (none).
  if (s.relaxes_subject_for_contract && kind != RunKind::kNaive)
    registry.set_compatibility(subject, "BACKWARD");

  json phases = json::array();
  json notes = json::array();
  auto mark = [&](const std::string& what) {
    phases.push_back({{"phase", what}, {"at_s", std::round(load.seconds_since_start() * 10) / 10}});
  };
  std::thread block;
  if (s.blocker_s > 0)
    block = blocker(shop.db(s.blocker_service).dsn(), s.blocker_table, s.blocker_s);
  std::this_thread::sleep_for(200ms);  // the report holds its lock before the change comes
  const double change_at = load.seconds_since_start();
  std::string outcome;
  double breach_at = -1, ended_at = -1;
  std::unique_ptr<Breach> breach;

  if (kind == RunKind::kNaive) {
    mark("naive change");
    std::size_t next = 0;
    double last_step = 0;
    for (const auto& step : s.naive) last_step = std::max(last_step, step.after_s);
    while (load.seconds_since_start() < change_at + last_step + s.naive_observe_s) {
      while (next < s.naive.size() &&
             load.seconds_since_start() >= change_at + s.naive[next].after_s) {
        const auto& step = s.naive[next++];
        if (step.kind == NaiveStep::Kind::kSql) {
          try {
            exec(shop.db(step.service).dsn(),
                 read_file(o.source_dir + "/scenarios/" + s.slug + "/" + step.file));
            notes.push_back(step.file + " applied to the " + step.service + " database");
          } catch (const std::exception& e) {
            notes.push_back(step.file + " failed: " + e.what());
          }
        } else {
          auto r =
              shop.helm("upgrade " + step.service + " " +
                        testing::shell_quote(o.source_dir + "/charts/" + step.service) + " -n " +
                        shop.ns() + " --reuse-values --set-string image.tag=" + naive_tag);
          notes.push_back("the " + step.service + " image built from " + step.file +
                          " rolled out (helm upgrade): " + (r.exit_code == 0 ? "ok" : r.output));
        }
        mark(step.file);
      }
      progress.update(label, "naive change applied", load_line(load));
      std::this_thread::sleep_for(250ms);
    }
    outcome = "applied";
    ended_at = load.seconds_since_start();
  } else {
    const std::string name = manifest["metadata"]["name"];
    const bool manual =
        manifest["spec"].value("/contract/approval"_json_pointer, std::string("Auto")) == "Manual";
    op->apply(manifest.dump());
    std::string last;
    bool approved = false, relaxed = false;
    const auto deadline = std::chrono::steady_clock::now() + kMigrationTimeout;
    for (;;) {
      const json m = op->get(name);
      const json status = m.is_object() ? m.value("status", json::object()) : json::object();
      const std::string phase = status.value("phase", "Pending");
      if (phase != last) {
        mark(phase);
        last = phase;
      }
      if (kind == RunKind::kFault && phase == "Backfilling" && !breach &&
          status.value("/backfill/rowsDone"_json_pointer, std::int64_t{0}) > 0) {
        breach = std::make_unique<Breach>(shop.url("customers"));
        breach_at = load.seconds_since_start();
        mark("SLO breach injected");
      }
      if (manual && phase == "AwaitingContract" && !approved) {
        (void)shop.kubectl("annotate smig " + name + " schemashift.io/approve=true --overwrite");
        approved = true;
        mark("approved");
        notes.push_back("contract approved by the runner (kubectl schemashift approve)");
      }
      if (s.relaxes_subject_for_contract && !relaxed) {
        for (const auto& c : status.value("conditions", json::array()))
          if (!relaxed && c.value("reason", "") == "ContractSchemaRefused") {
            registry.set_compatibility(subject, "NONE");
            relaxed = true;
            mark("subject set to NONE");
            notes.push_back(
                "the registry refused the contract schema under BACKWARD; the runner, as the "
                "team that knows every consumer moved, set the subject's rule to NONE");
          }
      }
      if (phase == "Completed" || phase == "RolledBack" || phase == "Failed") {
        outcome = phase;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        outcome = "Timeout in " + phase;
        notes.push_back(op->describe(name));
        break;
      }
      std::string detail = backfill_line(status);
      const std::string g = gates_line(status);
      if (!g.empty()) detail += (detail.empty() ? "" : " | ") + g;
      detail += (detail.empty() ? "" : " | ") + load_line(load);
      progress.update(label, phase, detail);
      std::this_thread::sleep_for(500ms);
    }
    ended_at = load.seconds_since_start();
    if (outcome != "Completed" && kind == RunKind::kSafe) notes.push_back(op->describe(name));
  }
  breach.reset();
  const double stop_at = load.seconds_since_start() + kTailS;
  while (load.seconds_since_start() < stop_at) {
    progress.update(label, outcome + ", load continues", load_line(load));
    std::this_thread::sleep_for(250ms);
  }
  load.stop();
  if (block.joinable()) block.join();
  progress.update(label, "checking", "the ledger against the databases and the topic");

  const ReadBack& rb = kind == RunKind::kNaive  ? s.after_naive
                       : outcome == "Completed" ? s.after_safe
                                                : s.after_rollback;
  json rows, events;
  try {
    RowCheck r = check_customers(shop.db("customers").dsn(), load.ledger(), rb.customer_name_sql);
    r += check_orders(shop.db("orders").dsn(), load.ledger(), rb.order_amount_sql);
    rows = row_json(r);
  } catch (const std::exception& e) {
    rows = {{"error", e.what()}};
  }
  try {
    events = event_json(check_events(shop.db("fulfillment").dsn(), shop.db("customers").dsn(),
                                     rb.customer_street_sql, load.ledger(),
                                     stack_var("KAFKA_BOOTSTRAP"), shop.dead_letter_topic(), 30s));
  } catch (const std::exception& e) {
    events = {{"error", e.what()}};
  }
  const LoadSummary summary = load.summary();
  write_series_csv(summary, prefix + ".series.csv");
  json by_version = {{"v1", 0}, {"v2", 0}};
  for (const auto& c : summary.clients)
    by_version[c.version] = by_version.value(c.version, 0) + c.errors + c.wrong;
  for (const auto& p : load.problems()) notes.push_back(p);
  progress.done();

  json run = {
      {"outcome", outcome},
      {"duration_s", std::round((ended_at - change_at) * 10) / 10},
      {"change_at_s", std::round(change_at * 10) / 10},
      {"phases", phases},
      {"load", summary.to_json()},
      {"errors_by_version", by_version},
      {"rows", rows},
      {"events", events},
      {"series_csv", std::string(to_string(kind)) + ".series.csv"},
      {"notes", notes},
      {"wall_s",
       std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count()}};
  if (kind == RunKind::kFault) {
    run["breach_at_s"] = breach_at;
    run["breach_to_rolled_back_s"] = breach_at >= 0 && outcome == "RolledBack"
                                         ? std::round((ended_at - breach_at) * 10) / 10
                                         : -1;
  }
  return run;
}

}  // namespace schemashift::scenarios
