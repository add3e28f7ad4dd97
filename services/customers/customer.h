// A customer as the service knows it, whatever the table layout of the moment, and its two
// JSON shapes: v1 flat {id, first_name, last_name, email, street, city, postal_code, country}
// and v2 nested {id, email, name{given,family}, address{street,city,postal_code,country},
// preferred_language?}. Reading a body validates it (BadRequest names the field); v1 and v2
// both ignore members they do not know.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace schemashift::customers {

struct Address {
  std::optional<std::string> street, city, postal_code, country;
  bool operator==(const Address&) const = default;
};

struct Customer {
  std::int64_t id = 0;
  std::string given_name, family_name, email;
  Address address;
  std::optional<std::string> preferred_language;  // set only where the mode reads it
  bool operator==(const Customer&) const = default;
};

Customer customer_from_v1(const nlohmann::json& body);
Customer customer_from_v2(const nlohmann::json& body);
nlohmann::json to_v1(const Customer& c);
nlohmann::json to_v2(const Customer& c);  // preferred_language only when set

}  // namespace schemashift::customers
