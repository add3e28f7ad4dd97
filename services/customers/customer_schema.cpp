#include "customer_schema.h"

#include "baseline_schema.h"

namespace schemashift::customers {

using svc::FlagMode;

std::vector<std::string> baseline_statements() {
  return {
      "CREATE TABLE IF NOT EXISTS customers ("
      " id bigserial PRIMARY KEY,"
      " first_name text,"
      " last_name text NOT NULL,"
      " email text NOT NULL,"
      " street text,"
      " city text,"
      " postal_code text,"
      " country text,"
      " created_at timestamptz NOT NULL DEFAULT now())",
  };
}

std::vector<std::string> columns_needed(const std::string& key, FlagMode mode) {
  std::vector<std::string> out;
  if (key == kGivenName) {
    if (mode != FlagMode::kNew) out.push_back("customers.first_name");
    if (mode != FlagMode::kOld) out.push_back("customers.given_name");
  } else if (key == kAddresses) {
    if (mode != FlagMode::kNew)
      for (const char* c : {"street", "city", "postal_code", "country"})
        out.push_back(std::string("customers.") + c);
    if (mode != FlagMode::kOld)
      for (const char* c : {"customer_id", "street", "city", "postal_code", "country"})
        out.push_back(std::string("addresses.") + c);
  } else if (key == kPreferredLanguage) {
    if (mode != FlagMode::kOld) out.push_back("customers.preferred_language");
  }
  return out;
}

void know_customer_flags(svc::Flags& flags, svc::PgPool& pool) {
  for (const char* key : {kPreferredLanguage, kAddresses, kGivenName}) {
    flags.know(key, [&pool, key = std::string(key)](FlagMode mode) -> std::optional<std::string> {
      const auto needed = columns_needed(key, mode);
      if (needed.empty()) return std::nullopt;
      auto lease = pool.acquire();
      pqxx::read_transaction tx(lease.conn());
      for (const auto& qualified : needed) {
        const auto dot = qualified.find('.');
        if (!svc::column_exists(tx, qualified.substr(0, dot), qualified.substr(dot + 1)))
          return "column " + qualified + " does not exist";
      }
      return std::nullopt;
    });
  }
  flags.know(kV1Lifecycle);
}

}  // namespace schemashift::customers
