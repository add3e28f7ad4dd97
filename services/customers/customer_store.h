// CustomerStore: customers in PostgreSQL, read and written in the table layout the flags
// say. One request sees one set of modes (taken when it starts):
//   customers.given_name   old: first_name | dual-write: both | read-new: read given_name,
//                          write both | new: given_name only
//   customers.addresses    old: customers' columns | dual-write: both | read-new: read the
//                          addresses table, write both | new: addresses only
//   customers.preferred_language  old: column ignored | dual-write: written (from the body,
//                          else kept, else derived from the country) | read-new, new: also read
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "customer.h"
#include "flag_modes.h"
#include "pg_pool.h"

namespace schemashift::customers {

struct Modes {
  svc::FlagMode given_name = svc::FlagMode::kOld;
  svc::FlagMode addresses = svc::FlagMode::kOld;
  svc::FlagMode preferred_language = svc::FlagMode::kOld;
  static Modes of(const svc::Flags& flags);
};

class CustomerStore {
 public:
  CustomerStore(svc::PgPool& pool, const svc::Flags& flags) : pool_(pool), flags_(flags) {}

  std::optional<Customer> get(std::int64_t id);
  // Up to `limit` customers with id > after, by id.
  std::vector<Customer> list(std::int64_t after, int limit);
  Customer create(const Customer& c);
  // Replaces the customer's fields; nullopt when there is no such customer.
  std::optional<Customer> update(std::int64_t id, const Customer& c);

 private:
  svc::PgPool& pool_;
  const svc::Flags& flags_;
};

}  // namespace schemashift::customers
