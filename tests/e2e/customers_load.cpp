#include "e2e/customers_load.h"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace schemashift::testing {

namespace {

using nlohmann::json;

json body_for(const std::string& version, const std::string& given) {
  if (version == "v1")
    return {{"first_name", given},
            {"last_name", "Load"},
            {"email", "load@example.org"},
            {"country", "GB"}};
  return {{"name", {{"given", given}, {"family", "Load"}}},
          {"email", "load@example.org"},
          {"address", {{"country", "GB"}}}};
}

// The given name in an answer of `version`, or why the answer has the wrong shape.
std::pair<std::string, std::string> name_in(const std::string& version, const json& b) {
  if (!b.is_object()) return {"", "not a JSON object"};
  if (version == "v1") {
    if (b.contains("name") || b.contains("given_name")) return {"", "v1 answer with a v2 name"};
    if (!b.contains("first_name") || !b["first_name"].is_string())
      return {"", "v1 answer without first_name"};
    return {b["first_name"].get<std::string>(), ""};
  }
  if (b.contains("first_name")) return {"", "v2 answer with first_name"};
  if (!b.contains("name") || !b["name"].is_object() || !b["name"].contains("given") ||
      !b["name"]["given"].is_string())
    return {"", "v2 answer without name.given"};
  return {b["name"]["given"].get<std::string>(), ""};
}

}  // namespace

CustomersLoad::CustomersLoad(std::string customers_url, std::vector<Client> clients,
                             std::chrono::milliseconds period)
    : url_(std::move(customers_url)), clients_(std::move(clients)), period_(period) {
  for (const auto& c : clients_) tallies_[c.id];
  for (const auto& c : clients_) threads_.emplace_back([this, c] { run(c); });
}

CustomersLoad::~CustomersLoad() { stop(); }

void CustomersLoad::stop() {
  stopping_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void CustomersLoad::problem(const std::string& p) {
  std::lock_guard lock(mu_);
  if (problems_.size() < 20) problems_.push_back(p);
}

void CustomersLoad::run(const Client& c) {
  httplib::Client http(url_);
  http.set_tcp_nodelay(true);
  http.set_keep_alive(true);
  http.set_connection_timeout(std::chrono::seconds(3));
  http.set_read_timeout(std::chrono::seconds(10));
  const httplib::Headers headers = {{"X-Client-Id", c.id}};
  const std::string base = "/" + c.version + "/customers";
  std::vector<std::int64_t> mine;
  std::map<std::int64_t, std::string> name_of;  // what this client last had acknowledged
  const auto start = std::chrono::steady_clock::now();
  auto count = [&](bool error, bool shape, bool name) {
    std::lock_guard lock(mu_);
    auto& t = tallies_[c.id];
    ++t.requests;
    t.errors += error;
    t.wrong_shape += shape;
    t.wrong_name += name;
  };
  for (int i = 0; !stopping_; ++i) {
    std::this_thread::sleep_until(start + i * period_);
    if (stopping_) break;
    // The write: a new customer on even ticks (and until there are three), else a new name.
    const std::string given = c.id + "-" + std::to_string(i);
    const bool create = mine.size() < 3 || i % 2 == 0;
    const std::int64_t target = create ? 0 : mine[static_cast<std::size_t>(i) % mine.size()];
    if (!create) {
      std::lock_guard lock(mu_);
      ledger_[target].insert(given);  // unanswered, it may or may not have landed
    }
    auto w = create
                 ? http.Post(base, headers, body_for(c.version, given).dump(), "application/json")
                 : http.Put(base + "/" + std::to_string(target), headers,
                            body_for(c.version, given).dump(), "application/json");
    const int want = create ? 201 : 200;
    if (!w || w->status != want) {
      count(true, false, false);
      problem(c.id + (create ? " POST " : " PUT ") + base + ": " +
              (w ? std::to_string(w->status) + " " + w->body : httplib::to_string(w.error())));
    } else {
      const auto b = json::parse(w->body, nullptr, false);
      const auto [name, shape] = name_in(c.version, b);
      const std::int64_t id = create && b.is_object() && b.contains("id") && b["id"].is_number()
                                  ? b["id"].get<std::int64_t>()
                                  : target;
      count(false, !shape.empty(), shape.empty() && name != given);
      if (!shape.empty() || name != given)
        problem(c.id + " write " + std::to_string(id) + ": " +
                (shape.empty() ? "answered name " + name + ", sent " + given : shape) + ": " +
                w->body);
      if (id != 0) {
        std::lock_guard lock(mu_);
        ledger_[id] = {given};  // acknowledged: this and nothing else
        if (create) mine.push_back(id);
        name_of[id] = given;
        ++acked_writes_;
      }
    }
    if (mine.empty()) continue;
    // The read: one of its own, which must carry the last acknowledged name.
    const auto id = mine[static_cast<std::size_t>(i * 7) % mine.size()];
    auto r = http.Get(base + "/" + std::to_string(id), headers);
    if (!r || r->status != 200) {
      count(true, false, false);
      problem(c.id + " GET " + base + "/" + std::to_string(id) + ": " +
              (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error())));
      continue;
    }
    const auto [name, shape] = name_in(c.version, json::parse(r->body, nullptr, false));
    std::set<std::string> allowed;
    {
      std::lock_guard lock(mu_);
      allowed = ledger_[id];
    }
    const bool wrong = shape.empty() && !allowed.count(name);
    count(false, !shape.empty(), wrong);
    if (!shape.empty() || wrong)
      problem(c.id + " GET " + std::to_string(id) + ": " +
              (shape.empty() ? "name " + name + ", ledger has " + *allowed.begin() : shape) + ": " +
              r->body);
  }
}

std::map<std::string, CustomersLoad::Tally> CustomersLoad::tallies() const {
  std::lock_guard lock(mu_);
  return tallies_;
}

std::vector<std::string> CustomersLoad::problems() const {
  std::lock_guard lock(mu_);
  return problems_;
}

std::map<std::int64_t, std::set<std::string>> CustomersLoad::ledger() const {
  std::lock_guard lock(mu_);
  return ledger_;
}

std::string customers_ledger_problems(const std::string& dsn,
                                      const std::map<std::int64_t, std::set<std::string>>& ledger,
                                      const std::string& column) {
  pqxx::connection c(dsn);
  pqxx::nontransaction nt(c);
  std::map<std::int64_t, std::string> in_db;
  std::string ids = "{";
  for (const auto& [id, names] : ledger) ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
  ids += "}";
  for (const auto& row :
       nt.exec_params("SELECT id, " + column + " FROM customers WHERE id = ANY($1::bigint[])", ids))
    in_db[row[0].as<std::int64_t>()] = row[1].is_null() ? "(null)" : row[1].as<std::string>();
  std::string out;
  int shown = 0;
  for (const auto& [id, names] : ledger) {
    auto it = in_db.find(id);
    std::string p;
    if (it == in_db.end())
      p = "customer " + std::to_string(id) + " is missing";
    else if (!names.count(it->second))
      p = "customer " + std::to_string(id) + ": " + column + " = " + it->second + ", ledger has " +
          *names.rbegin();
    if (!p.empty() && ++shown <= 10) out += p + "\n";
  }
  if (shown > 10) out += "... " + std::to_string(shown - 10) + " more\n";
  return out;
}

}  // namespace schemashift::testing
