// The fixture of the services' integration tests: a scratch database per service, a topic of
// the test's own, a stand-in for the customers service (v1 and v2 shapes, counting the calls
// of each version, failing on demand), and the real orders and fulfillment binaries.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "service_harness.h"
#include "support/http_endpoint.h"
#include "support/scratch_database.h"
#include "support/stack_env.h"

namespace schemashift::testing {

// Customers as fulfillment reads them; an id of 404 or more does not exist.
class CustomersStandIn {
 public:
  CustomersStandIn();
  std::string url() const { return endpoint_->url(""); }
  std::atomic<int> v1_calls{0}, v2_calls{0};
  std::atomic<int> fail_next{0};  // answer this many calls 503 first

 private:
  std::unique_ptr<HttpEndpoint> endpoint_;
};

struct ShipmentRow {
  std::int64_t customer_id = 0, total_cents = 0;
  std::string status, event_id, ship_to;
};

class ServicesTest : public ::testing::Test {
 protected:
  ServiceProcess start_orders(const std::string& instance, std::vector<std::string> extra = {});
  ServiceProcess start_fulfillment(const std::string& instance,
                                   std::vector<std::string> extra = {});

  // The shipment for `order_id` once fulfillment made it (nullopt after `timeout`).
  std::optional<ShipmentRow> wait_for_shipment(
      std::int64_t order_id, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::int64_t count(const ScratchDatabase& db, const std::string& sql);

  ScratchDatabase orders_db_{"svc_orders"};
  ScratchDatabase fulfillment_db_{"svc_fulfil"};
  const std::string topic_ = "orders-" + unique_suffix() + ".order-created";
  const std::string group_ = "fulfillment-" + unique_suffix();
  CustomersStandIn customers_;
};

}  // namespace schemashift::testing
