#include "order_json.h"

#include <limits>

#include "http_errors.h"
#include "request_fields.h"

namespace schemashift::orders {

using nlohmann::json;

json v1_json(const Order& o) {
  return {{"id", o.id},
          {"customer_id", o.customer_id},
          {"status", o.status},
          {"amount_cents", o.total_cents}};
}

json v2_json(const Order& o) {
  json j = {{"id", o.id},
            {"customer_id", o.customer_id},
            {"status", o.status},
            {"total_cents", o.total_cents},
            {"currency", o.currency},
            {"amount", cents_to_decimal(o.total_cents)}};
  if (o.metadata) j["metadata"] = *o.metadata;
  return j;
}

namespace {

std::int64_t required_count(const json& body, const std::string& key, std::int64_t min,
                            std::int64_t max) {
  if (!body.contains(key) || body[key].is_null()) throw svc::BadRequest(key, "required");
  const json& v = body[key];
  if (!v.is_number_integer()) throw svc::BadRequest(key, "must be an integer");
  const auto n = v.get<std::int64_t>();
  if (n < min || n > max)
    throw svc::BadRequest(key,
                          "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

std::string status_of(const json& body) {
  auto status = svc::optional_string(body, "status", "status");
  if (!status) return "created";
  if (status->empty() || status->size() > 32)
    throw svc::BadRequest("status", "must be 1 to 32 characters");
  return *status;
}

constexpr std::int64_t kMaxCents = std::numeric_limits<std::int32_t>::max();

}  // namespace

NewOrder parse_v1_order(const json& body) {
  NewOrder o;
  o.customer_id = required_count(body, "customer_id", 1, std::numeric_limits<std::int64_t>::max());
  o.total_cents = required_count(body, "amount_cents", 0, kMaxCents);
  o.status = status_of(body);
  return o;
}

NewOrder parse_v2_order(const json& body) {
  NewOrder o;
  o.customer_id = required_count(body, "customer_id", 1, std::numeric_limits<std::int64_t>::max());
  o.total_cents = required_count(body, "total_cents", 0, kMaxCents);
  o.status = status_of(body);
  if (auto currency = svc::optional_string(body, "currency", "currency");
      currency && *currency != "EUR")
    throw svc::BadRequest("currency", "only EUR is supported");
  if (const json* metadata = svc::optional_object(body, "metadata", "metadata"))
    o.metadata = *metadata;
  return o;
}

}  // namespace schemashift::orders
