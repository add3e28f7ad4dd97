#include "customer.h"

#include "http_errors.h"
#include "request_fields.h"

namespace schemashift::customers {

namespace {
using svc::BadRequest;
using svc::optional_object;
using svc::optional_string;
using svc::required_object;
using svc::required_string;

std::string checked_email(const nlohmann::json& body) {
  auto email = required_string(body, "email", "email");
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == email.size())
    throw BadRequest("email", "must be an address with a local part, @ and a domain");
  return email;
}

Address address_from(const nlohmann::json& obj, const std::string& prefix) {
  Address a;
  a.street = optional_string(obj, "street", prefix + "street");
  a.city = optional_string(obj, "city", prefix + "city");
  a.postal_code = optional_string(obj, "postal_code", prefix + "postal_code");
  a.country = optional_string(obj, "country", prefix + "country");
  if (a.country && a.country->size() != 2)
    throw BadRequest(prefix + "country", "must be a two-letter ISO 3166 code");
  return a;
}

nlohmann::json nullable(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

Customer customer_from_v1(const nlohmann::json& body) {
  Customer c;
  c.given_name = required_string(body, "first_name", "first_name");
  c.family_name = required_string(body, "last_name", "last_name");
  c.email = checked_email(body);
  c.address = address_from(body, "");
  return c;
}

Customer customer_from_v2(const nlohmann::json& body) {
  Customer c;
  const auto& name = required_object(body, "name", "name");
  c.given_name = required_string(name, "given", "name.given");
  c.family_name = required_string(name, "family", "name.family");
  c.email = checked_email(body);
  if (const auto* address = optional_object(body, "address", "address"))
    c.address = address_from(*address, "address.");
  c.preferred_language = optional_string(body, "preferred_language", "preferred_language");
  if (c.preferred_language &&
      (c.preferred_language->size() < 2 || c.preferred_language->size() > 35))
    throw BadRequest("preferred_language", "must be a BCP 47 language tag such as \"de\"");
  return c;
}

nlohmann::json to_v1(const Customer& c) {
  return {{"id", c.id},
          {"first_name", c.given_name},
          {"last_name", c.family_name},
          {"email", c.email},
          {"street", nullable(c.address.street)},
          {"city", nullable(c.address.city)},
          {"postal_code", nullable(c.address.postal_code)},
          {"country", nullable(c.address.country)}};
}

nlohmann::json to_v2(const Customer& c) {
  nlohmann::json out = {{"id", c.id},
                        {"email", c.email},
                        {"name", {{"given", c.given_name}, {"family", c.family_name}}},
                        {"address",
                         {{"street", nullable(c.address.street)},
                          {"city", nullable(c.address.city)},
                          {"postal_code", nullable(c.address.postal_code)},
                          {"country", nullable(c.address.country)}}}};
  if (c.preferred_language) out["preferred_language"] = *c.preferred_language;
  return out;
}

}  // namespace schemashift::customers
