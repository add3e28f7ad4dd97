// Where to ship: the customer's address, read from the customers service (/v1 flat or /v2
// nested, as the flag says), with a few quick retries with backoff and jitter. A customer
// that does not exist is kNotFound; a service that does not answer is kUnavailable (the
// consumer then retries the event later instead of shipping without an address).
// Every call (each attempt) is counted in fulfillment_customers_calls_total{api_version="v1"|
// "v2", outcome="ok"|"not_found"|"error"} (error: no answer, a status other than 200 and 404,
// or a body that is not a customer): the error rate a switch from /v1 to /v2 is gated on.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "fulfillment_modes.h"
#include "retry.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace schemashift::fulfillment {

struct ShipTo {
  std::string name, street, city, postal_code, country;
  nlohmann::json to_json() const;
};

struct LookupError {
  enum Kind { kNotFound, kUnavailable };
  Kind kind = kUnavailable;
  std::string message;
};

// The address in a customers response of either version; absent fields are empty. A body that
// is not a customer object is an error (the service misbehaves: retried as unavailable).
Result<ShipTo, std::string> ship_to_from_v1(const nlohmann::json& customer);
Result<ShipTo, std::string> ship_to_from_v2(const nlohmann::json& customer);

class CustomersClient {
 public:
  // `base_url` e.g. http://customers:8080 (CUSTOMERS_URL).
  explicit CustomersClient(std::string base_url, int attempts = 4,
                           svc::BackoffPolicy backoff = {std::chrono::milliseconds(100),
                                                         std::chrono::milliseconds(1000), 2.0,
                                                         0.5});
  // Registers fulfillment_customers_calls_total in `metrics` and counts every call there.
  void count_calls_in(prometheus::Registry& metrics);
  Result<ShipTo, LookupError> ship_to(std::int64_t customer_id, CustomersApi api);

 private:
  Result<ShipTo, LookupError> once(std::int64_t customer_id, CustomersApi api);  // counted
  Result<ShipTo, LookupError> call(std::int64_t customer_id, CustomersApi api);
  void count(CustomersApi api, const char* outcome);

  std::string base_url_;
  int attempts_;
  svc::BackoffPolicy backoff_;
  std::map<std::pair<CustomersApi, std::string>, prometheus::Counter*> calls_;  // set up front
};

}  // namespace schemashift::fulfillment
