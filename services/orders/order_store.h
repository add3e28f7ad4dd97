// The orders table and its outbox, in the columns the flags say: creating an order writes
// the row and its OrderCreated outbox row in one transaction, so every committed order gets
// its event and no event exists for an order that was rolled back.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "order_modes.h"
#include "pg_pool.h"

namespace schemashift::orders {

struct Order {
  std::int64_t id = 0;
  std::int64_t customer_id = 0;
  std::string status = "created";
  std::int64_t total_cents = 0;
  std::string currency = "EUR";
  std::optional<nlohmann::json> metadata;  // only when the metadata mode reads it
};

struct NewOrder {
  std::int64_t customer_id = 0;
  std::string status = "created";
  std::int64_t total_cents = 0;
  std::optional<nlohmann::json> metadata;
};

struct CreatedOrder {
  Order order;
  std::string event_id;  // the outbox row's id
  int event_version = 1;
};

class OrderStore {
 public:
  OrderStore(svc::PgPool& pool, std::string topic);

  CreatedOrder create(const NewOrder& order, const OrderModes& modes);
  std::optional<Order> find(std::int64_t id, const OrderModes& modes);
  // Orders with id > after, ascending, at most `limit`; only `customer_id`'s when given.
  std::vector<Order> list(std::int64_t after, int limit, std::optional<std::int64_t> customer_id,
                          const OrderModes& modes);

 private:
  CreatedOrder insert(pqxx::work& tx, const NewOrder& order, const OrderModes& modes);
  std::string select_list(const OrderModes& modes) const;

  svc::PgPool& pool_;
  std::string topic_;
  // In mode new the amount is written to orders.amount only, plus amount_cents for as long
  // as that column exists (it may be NOT NULL until the contract step drops it).
  std::atomic<bool> amount_cents_present_{true};
};

// 1234 -> "12.34", -5 -> "-0.05".
std::string cents_to_decimal(std::int64_t cents);

}  // namespace schemashift::orders
