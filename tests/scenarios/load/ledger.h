// The load's ledger: what every write may have left in the databases, kept outside them. A
// customer's id maps to the names an acknowledged or unanswered write may have left (an
// unanswered write makes either value possible); an order's id to the cents and customer the
// client sent, for the acknowledged ones. Each write is also appended to a JSON-lines file the
// moment it is answered, so the ledger survives the run for a person to read.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace schemashift::scenarios {

struct OrderEntry {
  std::int64_t cents = 0, customer_id = 0;
};

class Ledger {
 public:
  explicit Ledger(const std::string& path);

  // A customer write: `acknowledged` replaces what the id may hold; otherwise `name` joins it.
  void customer(const std::string& client, std::int64_t id, const std::string& name,
                bool acknowledged, int status);
  void order(const std::string& client, std::int64_t id, const OrderEntry& e);
  // An unanswered or refused create (no id): only on file.
  void failed_write(const std::string& client, const std::string& what, int status);

  std::map<std::int64_t, std::set<std::string>> customers() const;
  std::map<std::int64_t, OrderEntry> orders() const;
  // The names id may hold ({} when the ledger has no such customer).
  std::set<std::string> names(std::int64_t id) const;
  bool has_order(std::int64_t id, OrderEntry* out) const;

 private:
  void append(const nlohmann::json& line);
  mutable std::mutex mu_;
  std::ofstream file_;
  std::map<std::int64_t, std::set<std::string>> customers_;
  std::map<std::int64_t, OrderEntry> orders_;
};

}  // namespace schemashift::scenarios
