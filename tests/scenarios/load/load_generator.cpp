#include "scenarios/load/load_generator.h"

#include <condition_variable>
#include <deque>
#include <random>

#include <httplib.h>

namespace schemashift::scenarios {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr int kWorkersPerClient = 4;
constexpr auto kTimeout = std::chrono::seconds(5);

json customer_body(const std::string& version, const std::string& given, const std::string& tag) {
  const std::string family = "Load", email = tag + "@load.example.org";
  const std::string street = tag + " Load Street", city = "Hamburg", postal = "20095";
  if (version == "v1")
    return {{"first_name", given}, {"last_name", family},   {"email", email}, {"street", street},
            {"city", city},        {"postal_code", postal}, {"country", "DE"}};
  return {{"email", email},
          {"name", {{"given", given}, {"family", family}}},
          {"address",
           {{"street", street}, {"city", city}, {"postal_code", postal}, {"country", "DE"}}}};
}

// The given name in `body` as `version` shapes it; "" with `why` set when the shape is wrong.
std::string given_name_of(const json& body, const std::string& version, std::string& why) {
  if (!body.is_object()) return why = "not a JSON object", "";
  if (version == "v1") {
    if (body.contains("name")) return why = "v1 answer has v2's `name`", "";
    if (!body.contains("first_name") || !body["first_name"].is_string())
      return why = "v1 answer lacks first_name", "";
    return body["first_name"].get<std::string>();
  }
  if (body.contains("first_name")) return why = "v2 answer has v1's `first_name`", "";
  const auto n = body.find("name");
  if (n == body.end() || !n->is_object() || !n->contains("given") || !(*n)["given"].is_string())
    return why = "v2 answer lacks name.given", "";
  return (*n)["given"].get<std::string>();
}

std::int64_t cents_of(const json& body, const std::string& version, std::string& why) {
  const char* field = version == "v1" ? "amount_cents" : "total_cents";
  if (!body.is_object() || !body.contains(field) || !body[field].is_number_integer()) {
    why = std::string("answer lacks ") + field;
    return -1;
  }
  return body[field].get<std::int64_t>();
}

std::int64_t id_of(const httplib::Result& r) {
  auto body = json::parse(r->body, nullptr, false);
  if (body.is_object() && body.contains("id") && body["id"].is_number_integer())
    return body["id"].get<std::int64_t>();
  const auto loc = r->get_header_value("Location");
  const auto slash = loc.rfind('/');
  if (slash == std::string::npos) return 0;
  try {
    return std::stoll(loc.substr(slash + 1));
  } catch (...) {
    return 0;
  }
}

}  // namespace

struct LoadGenerator::Client {
  ClientPlan plan;
  int index = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<double> due;  // scheduled moments (seconds since t0) not yet taken by a worker
  std::atomic<bool> migrated{false};
  std::atomic<double> migrate_at{-1};
  std::atomic<std::int64_t> written{0};
};

LoadGenerator::LoadGenerator(LoadTargets targets, std::vector<ClientPlan> clients,
                             std::string ledger_path)
    : targets_(std::move(targets)), plans_(std::move(clients)), ledger_(ledger_path) {}

LoadGenerator::~LoadGenerator() { stop(); }

void LoadGenerator::start() {
  t0_ = Clock::now();
  for (std::size_t i = 0; i < plans_.size(); ++i) {
    auto c = std::make_unique<Client>();
    c->plan = plans_[i];
    c->index = static_cast<int>(i);
    clients_.push_back(std::move(c));
  }
  for (auto& c : clients_) {
    threads_.emplace_back([this, cp = c.get()] { schedule(*cp); });
    for (int w = 0; w < kWorkersPerClient; ++w)
      threads_.emplace_back([this, cp = c.get(), w] { work(*cp, w); });
  }
}

void LoadGenerator::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& c : clients_) c->cv.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

double LoadGenerator::seconds_since_start() const {
  return std::chrono::duration<double>(Clock::now() - t0_).count();
}

void LoadGenerator::schedule(Client& c) {
  const double period = 1.0 / c.plan.rate;
  for (std::int64_t k = 0; !stopping_; ++k) {
    const double at = static_cast<double>(k) * period;
    std::this_thread::sleep_until(
        t0_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(at)));
    if (stopping_) break;
    {
      std::lock_guard lock(c.mu);
      c.due.push_back(at);
    }
    c.cv.notify_one();
  }
}

void LoadGenerator::record(const Sample& s, const std::string& problem) {
  ++requests_;
  errors_ += s.error;
  wrong_ += s.wrong;
  std::lock_guard lock(mu_);
  samples_.push_back(s);
  if (!problem.empty() && problems_.size() < 20) problems_.push_back(problem);
}

void LoadGenerator::work(Client& c, int worker) {
  const std::string& base =
      c.plan.service == "customers" ? targets_.customers_url : targets_.orders_url;
  httplib::Client http(base);
  http.set_connection_timeout(kTimeout);
  http.set_read_timeout(kTimeout);
  http.set_write_timeout(kTimeout);
  http.set_keep_alive(true);
  std::mt19937_64 rng(std::hash<std::string>{}(c.plan.id) + static_cast<unsigned>(worker));
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<std::int64_t> own;  // this worker's customers or orders: no two workers race
  const httplib::Headers headers = {{"X-Client-Id", c.plan.id}};
  for (;;) {
    double at;
    {
      std::unique_lock lock(c.mu);
      c.cv.wait(lock, [&] { return stopping_ || !c.due.empty(); });
      if (c.due.empty()) return;  // stopping, nothing left
      at = c.due.front();
      c.due.pop_front();
    }
    if (c.plan.follows_deprecation && !c.migrated && c.migrate_at >= 0 &&
        seconds_since_start() >= c.migrate_at)
      c.migrated = true;
    const std::string version = c.migrated ? "v2" : c.plan.version;
    const bool write = own.empty() || unit(rng) < c.plan.write_share;
    const std::string prefix = "/" + version + "/" + c.plan.service;
    std::string problem, what;
    bool error = false, wrong = false;
    int status = 0;
    httplib::Result r{nullptr, httplib::Error::Unknown};
    if (c.plan.service == "customers") {
      const std::string tag =
          c.plan.id + "-" + std::to_string(worker) + "-" + std::to_string(c.written++);
      const std::string given = "g-" + tag;
      if (write && (own.empty() || unit(rng) < 0.5)) {
        what = "POST " + prefix;
        r = http.Post(prefix, headers, customer_body(version, given, tag).dump(),
                      "application/json");
        status = r ? r->status : 0;
        if (status == 201) {
          const auto id = id_of(r);
          own.push_back(id);
          ledger_.customer(c.plan.id, id, given, true, status);
        } else {
          ledger_.failed_write(c.plan.id, what, status);
        }
        error = status != 201;
      } else if (write) {
        const auto id = own[static_cast<std::size_t>(rng() % own.size())];
        what = "PUT " + prefix + "/" + std::to_string(id);
        r = http.Put(prefix + "/" + std::to_string(id), headers,
                     customer_body(version, given, tag).dump(), "application/json");
        status = r ? r->status : 0;
        // A refused PUT (4xx/5xx) may still have been applied by a broken server: keep both.
        ledger_.customer(c.plan.id, id, given, status == 200, status);
        error = status != 200;
      } else {
        const auto id = own[static_cast<std::size_t>(rng() % own.size())];
        what = "GET " + prefix + "/" + std::to_string(id);
        r = http.Get(prefix + "/" + std::to_string(id), headers);
        status = r ? r->status : 0;
        error = status != 200;
        if (!error) {
          std::string why;
          const auto name = given_name_of(json::parse(r->body, nullptr, false), version, why);
          const auto allowed = ledger_.names(id);
          if (!why.empty()) {
            wrong = true;
          } else if (!allowed.count(name)) {
            wrong = true;
            why = "name " + name + " is none the ledger allows";
          }
          if (wrong) problem = c.plan.id + " " + what + ": " + why;
        }
      }
    } else {
      if (write) {
        const auto customer =
            1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(std::max<std::int64_t>(
                                                      1, targets_.seeded_customers)));
        const std::int64_t cents = 100 + static_cast<std::int64_t>(rng() % 100000);
        json body = {{"customer_id", customer}};
        if (version == "v1") {
          body["amount_cents"] = cents;
        } else {
          body["total_cents"] = cents;
          body["currency"] = "EUR";
        }
        what = "POST " + prefix;
        r = http.Post(prefix, headers, body.dump(), "application/json");
        status = r ? r->status : 0;
        error = status != 201;
        if (!error) {
          const auto id = id_of(r);
          own.push_back(id);
          ledger_.order(c.plan.id, id, {cents, customer});
        } else {
          ledger_.failed_write(c.plan.id, what, status);
        }
      } else {
        const auto id = own[static_cast<std::size_t>(rng() % own.size())];
        what = "GET " + prefix + "/" + std::to_string(id);
        r = http.Get(prefix + "/" + std::to_string(id), headers);
        status = r ? r->status : 0;
        error = status != 200;
        OrderEntry sent;
        if (!error && ledger_.has_order(id, &sent)) {
          std::string why;
          const auto cents = cents_of(json::parse(r->body, nullptr, false), version, why);
          if (why.empty() && cents != sent.cents)
            why = "amount " + std::to_string(cents) + ", sent " + std::to_string(sent.cents);
          if (!why.empty()) {
            wrong = true;
            problem = c.plan.id + " " + what + ": " + why;
          }
        }
      }
    }
    if (error) {
      problem = c.plan.id + " " + what + ": " +
                (r ? std::to_string(status) + " " + r->body.substr(0, 160)
                   : std::string("no answer (") + httplib::to_string(r.error()) + ")");
    }
    if (c.plan.follows_deprecation && c.migrate_at < 0 && r &&
        (r->has_header("Deprecation") || r->status == 410))
      c.migrate_at =
          seconds_since_start() + static_cast<double>(c.plan.migrate_after.count()) / 1000;
    const double latency_ms =
        (std::chrono::duration<double>(Clock::now() - t0_).count() - at) * 1000;
    record({at, latency_ms, c.index, write, error, wrong}, problem);
  }
}

LoadSummary LoadGenerator::summary() const {
  std::vector<ClientTally> tallies;
  for (const auto& p : plans_) tallies.push_back({p.id, p.service, p.version, 0, 0, 0});
  std::vector<Sample> copy;
  {
    std::lock_guard lock(mu_);
    copy = samples_;
  }
  return summarize(copy, std::move(tallies));
}

LoadGenerator::Counts LoadGenerator::counts() const { return {requests_, errors_, wrong_}; }

std::vector<std::string> LoadGenerator::problems() const {
  std::lock_guard lock(mu_);
  return problems_;
}

}  // namespace schemashift::scenarios
