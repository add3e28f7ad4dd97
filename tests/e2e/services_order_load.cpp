#include "e2e/services_order_load.h"

#include <map>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "e2e/services_shop.h"

namespace schemashift::testing {

OrderLoad::OrderLoad(std::string orders_url, std::int64_t customer_id,
                     std::chrono::milliseconds period)
    : url_(std::move(orders_url)), customer_id_(customer_id), period_(period) {
  thread_ = std::thread([this] { run(); });
}

OrderLoad::~OrderLoad() { stop(); }

void OrderLoad::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<std::int64_t> OrderLoad::acknowledged() const {
  std::lock_guard lock(mu_);
  return acked_;
}

std::map<std::int64_t, std::int64_t> OrderLoad::amounts() const {
  std::lock_guard lock(mu_);
  return amounts_;
}

void OrderLoad::run() {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; !stopping_; ++i) {
    // A fixed schedule: a slow answer delays the next request, never the rate after it.
    std::this_thread::sleep_until(start + i * period_);
    if (stopping_) break;
    ++sent_;
    const auto r = Shop::post_at(url_, "/v1/orders",
                                 {{"customer_id", customer_id_}, {"amount_cents", 100 + i}});
    if (r.status == 201 && r.body.is_object() && r.body.contains("id")) {
      std::lock_guard lock(mu_);
      acked_.push_back(r.body["id"].get<std::int64_t>());
      amounts_[acked_.back()] = 100 + i;
    } else {
      ++unacknowledged_;
    }
  }
}

namespace {

std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string a = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) a += (i ? "," : "") + std::to_string(ids[i]);
  return a + "}";
}

}  // namespace

std::string ledger_problems(Shop& shop, const std::vector<std::int64_t>& acknowledged,
                            std::chrono::milliseconds timeout,
                            const std::map<std::int64_t, std::int64_t>* amounts) {
  pqxx::connection orders(shop.db("orders").dsn()), fulfillment(shop.db("fulfillment").dsn());
  const std::string ids = id_array(acknowledged);
  // The events of the ledger's orders: the outbox row of each (its id is the event id).
  std::map<std::int64_t, std::vector<std::string>> events;
  {
    pqxx::nontransaction nt(orders);
    for (const auto& row : nt.exec_params("SELECT event_key::bigint, id::text FROM outbox "
                                          "WHERE event_key::bigint = ANY($1::bigint[])",
                                          ids))
      events[row[0].as<std::int64_t>()].push_back(row[1].as<std::string>());
  }
  std::map<std::int64_t, std::vector<std::string>> shipments;
  std::map<std::int64_t, std::int64_t> totals;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    shipments.clear();
    pqxx::nontransaction nt(fulfillment);
    for (const auto& row : nt.exec_params("SELECT order_id, event_id, total_cents FROM shipments "
                                          "WHERE order_id = ANY($1::bigint[])",
                                          ids)) {
      shipments[row[0].as<std::int64_t>()].push_back(row[1].as<std::string>());
      totals[row[0].as<std::int64_t>()] = row[2].as<std::int64_t>();
    }
    if (shipments.size() >= acknowledged.size() || std::chrono::steady_clock::now() > deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::string problems;
  int shown = 0;
  auto problem = [&](const std::string& p) {
    if (++shown <= 10) problems += p + "\n";
  };
  for (const auto id : acknowledged) {
    const auto& ev = events[id];
    const auto& sh = shipments[id];
    if (ev.size() != 1)
      problem("order " + std::to_string(id) + ": " + std::to_string(ev.size()) + " outbox events");
    if (sh.size() != 1)
      problem("order " + std::to_string(id) + ": " + std::to_string(sh.size()) + " shipments");
    if (ev.size() == 1 && sh.size() == 1 && ev[0] != sh[0])
      problem("order " + std::to_string(id) + ": shipped from event " + sh[0] + ", not " + ev[0]);
    if (amounts && sh.size() == 1 && amounts->count(id) && totals[id] != amounts->at(id))
      problem("order " + std::to_string(id) + ": shipped " + std::to_string(totals[id]) +
              " cents, the test sent " + std::to_string(amounts->at(id)));
  }
  if (shown > 10) problems += "... " + std::to_string(shown - 10) + " more\n";
  return problems;
}

}  // namespace schemashift::testing
