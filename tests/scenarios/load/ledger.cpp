#include "scenarios/load/ledger.h"

#include <chrono>

namespace schemashift::scenarios {

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

Ledger::Ledger(const std::string& path) {
  if (!path.empty()) file_.open(path, std::ios::trunc);
}

void Ledger::append(const nlohmann::json& line) {
  if (file_.is_open()) file_ << line.dump() << '\n';
}

void Ledger::customer(const std::string& client, std::int64_t id, const std::string& name,
                      bool acknowledged, int status) {
  std::lock_guard lock(mu_);
  auto& names = customers_[id];
  if (acknowledged) names.clear();
  names.insert(name);
  append({{"t", now_s()},
          {"client", client},
          {"customer", id},
          {"name", name},
          {"acked", acknowledged},
          {"status", status}});
}

void Ledger::order(const std::string& client, std::int64_t id, const OrderEntry& e) {
  std::lock_guard lock(mu_);
  orders_[id] = e;
  append({{"t", now_s()},
          {"client", client},
          {"order", id},
          {"cents", e.cents},
          {"customer_id", e.customer_id},
          {"acked", true},
          {"status", 201}});
}

void Ledger::failed_write(const std::string& client, const std::string& what, int status) {
  std::lock_guard lock(mu_);
  append(
      {{"t", now_s()}, {"client", client}, {"write", what}, {"acked", false}, {"status", status}});
}

std::map<std::int64_t, std::set<std::string>> Ledger::customers() const {
  std::lock_guard lock(mu_);
  return customers_;
}

std::map<std::int64_t, OrderEntry> Ledger::orders() const {
  std::lock_guard lock(mu_);
  return orders_;
}

std::set<std::string> Ledger::names(std::int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = customers_.find(id);
  return it == customers_.end() ? std::set<std::string>{} : it->second;
}

bool Ledger::has_order(std::int64_t id, OrderEntry* out) const {
  std::lock_guard lock(mu_);
  auto it = orders_.find(id);
  if (it == orders_.end()) return false;
  if (out) *out = it->second;
  return true;
}

}  // namespace schemashift::scenarios
