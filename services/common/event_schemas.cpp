#include "event_schemas.h"

#include <cmath>
#include <stdexcept>

#include "json_schema_check.h"

namespace schemashift::svc {

namespace {

using nlohmann::json;

json base_properties() {
  return {{"event_id", {{"type", "string"}}},
          {"order_id", {{"type", "integer"}}},
          {"customer_id", {{"type", "integer"}}}};
}

json make_schema(int version) {
  json props = base_properties();
  json required = {"event_id", "order_id", "customer_id"};
  if (version <= 2) {
    props["total"] = {{"type", "number"}};
    required.push_back("total");
  }
  if (version >= 2) {
    props["total_cents"] = {{"type", "integer"}};
    props["currency"] = {{"type", "string"}};
  }
  if (version >= 3) {
    required.push_back("total_cents");
    required.push_back("currency");
  }
  return {{"$schema", "http://json-schema.org/draft-07/schema#"},
          {"title", "OrderCreated v" + std::to_string(version)},
          {"type", "object"},
          {"properties", props},
          {"required", required},
          {"additionalProperties", false}};
}

const json& schemas(int version) {
  static const json all[] = {make_schema(1), make_schema(2), make_schema(3)};
  if (version < 1 || version > kOrderCreatedVersions)
    throw std::out_of_range("OrderCreated has no version " + std::to_string(version));
  return all[version - 1];
}

}  // namespace

std::string value_subject(const std::string& topic) { return topic + "-value"; }

const nlohmann::json& order_created_schema(int version) { return schemas(version); }

std::optional<int> order_created_version(const nlohmann::json& schema) {
  if (!schema.is_object() || !schema.contains("title") || !schema["title"].is_string())
    return std::nullopt;
  const std::string title = schema["title"].get<std::string>();
  for (int v = 1; v <= kOrderCreatedVersions; ++v) {
    if (title == "OrderCreated v" + std::to_string(v)) return v;
  }
  return std::nullopt;
}

nlohmann::json order_created_payload(const OrderCreated& event, int version) {
  json j = {{"event_id", event.event_id},
            {"order_id", event.order_id},
            {"customer_id", event.customer_id}};
  if (version <= 2) j["total"] = static_cast<double>(event.total_cents) / 100.0;
  if (version >= 2) {
    j["total_cents"] = event.total_cents;
    j["currency"] = event.currency;
  }
  return j;
}

namespace {

Result<OrderCreated, std::string> upcast(const json& j, int version, TotalSource source) {
  OrderCreated e;
  e.version = version;
  e.event_id = j["event_id"].get<std::string>();
  e.order_id = j["order_id"].get<std::int64_t>();
  e.customer_id = j["customer_id"].get<std::int64_t>();
  if (j.contains("currency") && j["currency"].is_string())
    e.currency = j["currency"].get<std::string>();
  const bool has_cents = j.contains("total_cents");
  const bool has_total = j.contains("total");
  const auto from_total = [&] {
    return static_cast<std::int64_t>(std::llround(j["total"].get<double>() * 100.0));
  };
  switch (source) {
    case TotalSource::kTotal:
      if (!has_total)
        return fail(std::string("field \"total\" missing: this consumer reads total"));
      e.total_cents = from_total();
      break;
    case TotalSource::kPreferCents:
      e.total_cents = has_cents ? j["total_cents"].get<std::int64_t>() : from_total();
      break;
    case TotalSource::kRequireCents:
      if (has_cents) {
        e.total_cents = j["total_cents"].get<std::int64_t>();
      } else if (version == 1) {
        e.total_cents = from_total();
      } else {
        return fail(std::string("field \"total_cents\" missing: this consumer requires it"));
      }
      break;
  }
  return e;
}

}  // namespace

Result<OrderCreated, std::string> decode_order_created(const nlohmann::json& schema,
                                                       std::string_view payload,
                                                       TotalSource source) {
  const auto version = order_created_version(schema);
  if (!version) return fail(std::string("schema is not an OrderCreated version"));
  json j = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (j.is_discarded()) return fail(std::string("invalid JSON payload"));
  if (const auto problems = schema_violations(schema, j); !problems.empty())
    return fail(problems.front());
  try {
    return upcast(j, *version, source);
  } catch (const json::exception& ex) {  // a schema in the registry looser than ours
    return fail(std::string("payload does not fit OrderCreated: ") + ex.what());
  }
}

}  // namespace schemashift::svc
