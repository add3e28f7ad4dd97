#include "customers_client.h"

#include <thread>

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "common/redact.h"

namespace schemashift::fulfillment {

using nlohmann::json;

json ShipTo::to_json() const {
  return {{"name", name},
          {"street", street},
          {"city", city},
          {"postal_code", postal_code},
          {"country", country}};
}

namespace {
// A field of the address; absent or null reads as "" (a customer may have no address yet).
std::string text(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return "";
  if (!obj[key].is_string())
    throw std::invalid_argument(std::string("customer field \"") + key + "\" is not a string");
  return obj[key].get<std::string>();
}

std::string full_name(const std::string& given, const std::string& family) {
  if (given.empty() || family.empty()) return given + family;
  return given + " " + family;
}
}  // namespace

Result<ShipTo, std::string> ship_to_from_v1(const json& c) {
  if (!c.is_object()) return fail(std::string("customer is not a JSON object"));
  try {
    return ShipTo{full_name(text(c, "first_name"), text(c, "last_name")), text(c, "street"),
                  text(c, "city"), text(c, "postal_code"), text(c, "country")};
  } catch (const std::invalid_argument& e) {
    return fail(std::string(e.what()));
  }
}

Result<ShipTo, std::string> ship_to_from_v2(const json& c) {
  if (!c.is_object()) return fail(std::string("customer is not a JSON object"));
  try {
    const json name = c.contains("name") ? c["name"] : json();
    const json address = c.contains("address") ? c["address"] : json();
    return ShipTo{full_name(text(name, "given"), text(name, "family")), text(address, "street"),
                  text(address, "city"), text(address, "postal_code"), text(address, "country")};
  } catch (const std::invalid_argument& e) {
    return fail(std::string(e.what()));
  }
}

CustomersClient::CustomersClient(std::string base_url, int attempts, svc::BackoffPolicy backoff)
    : base_url_(std::move(base_url)), attempts_(attempts), backoff_(backoff) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

void CustomersClient::count_calls_in(prometheus::Registry& metrics) {
  auto& family = prometheus::BuildCounter()
                     .Name("fulfillment_customers_calls_total")
                     .Help(
                         "Calls to the customers service by API version and outcome (ok, "
                         "not_found, error)")
                     .Register(metrics);
  for (auto api : {CustomersApi::kV1, CustomersApi::kV2}) {
    for (const char* outcome : {"ok", "not_found", "error"})
      calls_[{api, outcome}] = &family.Add(
          {{"api_version", api == CustomersApi::kV2 ? "v2" : "v1"}, {"outcome", outcome}});
  }
}

void CustomersClient::count(CustomersApi api, const char* outcome) {
  auto it = calls_.find({api, outcome});
  if (it != calls_.end()) it->second->Increment();
}

Result<ShipTo, LookupError> CustomersClient::once(std::int64_t customer_id, CustomersApi api) {
  auto r = call(customer_id, api);
  count(api, r ? "ok" : r.error().kind == LookupError::kNotFound ? "not_found" : "error");
  return r;
}

Result<ShipTo, LookupError> CustomersClient::call(std::int64_t customer_id, CustomersApi api) {
  httplib::Client http(base_url_);
  http.set_connection_timeout(std::chrono::seconds(1));
  http.set_read_timeout(std::chrono::seconds(3));
  const std::string path = std::string(api == CustomersApi::kV2 ? "/v2" : "/v1") + "/customers/" +
                           std::to_string(customer_id);
  const httplib::Headers headers = {{"X-Client-Id", "fulfillment"}};
  auto r = http.Get(path.c_str(), headers);
  if (!r)
    return fail(LookupError{
        LookupError::kUnavailable,
        "customers " + redact_urls(base_url_) + " unreachable: " + httplib::to_string(r.error())});
  if (r->status == 404)
    return fail(LookupError{LookupError::kNotFound,
                            "customer " + std::to_string(customer_id) + " does not exist"});
  if (r->status != 200)
    return fail(LookupError{LookupError::kUnavailable,
                            "customers " + path + " answered " + std::to_string(r->status)});
  const json body = json::parse(r->body, nullptr, false);
  auto ship_to = api == CustomersApi::kV2 ? ship_to_from_v2(body) : ship_to_from_v1(body);
  if (!ship_to)
    return fail(
        LookupError{LookupError::kUnavailable, "customers " + path + ": " + ship_to.error()});
  return *ship_to;
}

Result<ShipTo, LookupError> CustomersClient::ship_to(std::int64_t customer_id, CustomersApi api) {
  svc::Backoff backoff(backoff_);
  for (int attempt = 1;; ++attempt) {
    auto r = once(customer_id, api);
    if (r || r.error().kind == LookupError::kNotFound || attempt >= attempts_) return r;
    std::this_thread::sleep_for(backoff.next_delay());
  }
}

}  // namespace schemashift::fulfillment
