#include "services_fixture.h"

#include "support/helpers.h"

namespace schemashift::testing {

CustomersStandIn::CustomersStandIn() {
  endpoint_ = std::make_unique<HttpEndpoint>(
      R"(/v([12])/customers/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
        const bool v2 = req.matches[1] == "2";
        (v2 ? v2_calls : v1_calls)++;
        if (fail_next.load() > 0) {
          --fail_next;
          res.status = 503;
          res.set_content(R"({"error":"unavailable"})", "application/json");
          return;
        }
        const long id = std::stol(req.matches[2]);
        if (id >= 404) {
          res.status = 404;
          res.set_content(R"({"error":"not_found"})", "application/json");
          return;
        }
        const nlohmann::json v1 = {{"id", id},
                                   {"first_name", "Ada"},
                                   {"last_name", "Byron"},
                                   {"email", "ada@example.org"},
                                   {"street", "1 Main St"},
                                   {"city", "Berlin"},
                                   {"postal_code", "10115"},
                                   {"country", "DE"}};
        const nlohmann::json v2_body = {{"id", id},
                                        {"email", "ada@example.org"},
                                        {"name", {{"given", "Ada"}, {"family", "Lovelace"}}},
                                        {"address",
                                         {{"street", "2 New St"},
                                          {"city", "Hamburg"},
                                          {"postal_code", "20095"},
                                          {"country", "DE"}}}};
        res.set_content((v2 ? v2_body : v1).dump(), "application/json");
      });
}

ServiceProcess ServicesTest::start_orders(const std::string& instance,
                                          std::vector<std::string> extra) {
  std::vector<std::string> args = {"--database-dsn", orders_db_.dsn(), "--orders-topic",
                                   topic_,           "--flag-poll-ms", "200"};
  bool has_kafka = false, has_registry = false;
  for (const auto& a : extra) {
    has_kafka = has_kafka || a == "--kafka-bootstrap";
    has_registry = has_registry || a == "--schema-registry-url";
  }
  if (!has_kafka) args.insert(args.end(), {"--kafka-bootstrap", stack_var("KAFKA_BOOTSTRAP")});
  if (!has_registry)
    args.insert(args.end(), {"--schema-registry-url", stack_var("SCHEMA_REGISTRY_URL")});
  args.insert(args.end(), extra.begin(), extra.end());
  return start_service("orders-service", instance, args);
}

ServiceProcess ServicesTest::start_fulfillment(const std::string& instance,
                                               std::vector<std::string> extra) {
  std::vector<std::string> args = {"--database-dsn",    fulfillment_db_.dsn(),
                                   "--orders-topic",    topic_,
                                   "--consumer-group",  group_,
                                   "--kafka-bootstrap", stack_var("KAFKA_BOOTSTRAP"),
                                   "--flag-poll-ms",    "200"};
  bool has_registry = false, has_customers = false;
  for (const auto& a : extra) {
    has_registry = has_registry || a == "--schema-registry-url";
    has_customers = has_customers || a == "--customers-url";
  }
  if (!has_registry)
    args.insert(args.end(), {"--schema-registry-url", stack_var("SCHEMA_REGISTRY_URL")});
  if (!has_customers) args.insert(args.end(), {"--customers-url", customers_.url()});
  args.insert(args.end(), extra.begin(), extra.end());
  return start_service("fulfillment-service", instance, args);
}

std::optional<ShipmentRow> ServicesTest::wait_for_shipment(std::int64_t order_id,
                                                           std::chrono::milliseconds timeout) {
  pqxx::connection c(fulfillment_db_.admin_dsn());
  std::optional<ShipmentRow> row;
  eventually(
      [&] {
        pqxx::nontransaction nt(c);
        auto r = nt.exec_params(
            "SELECT customer_id, total_cents, status, event_id, coalesce(ship_to::text, '') "
            "FROM shipments WHERE order_id = $1",
            order_id);
        if (r.empty()) return false;
        row = ShipmentRow{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>(),
                          r[0][2].as<std::string>(), r[0][3].as<std::string>(),
                          r[0][4].as<std::string>()};
        return true;
      },
      timeout);
  return row;
}

std::int64_t ServicesTest::count(const ScratchDatabase& db, const std::string& sql) {
  pqxx::connection c(db.admin_dsn());
  pqxx::nontransaction nt(c);
  return nt.exec1(sql)[0].as<std::int64_t>();
}

}  // namespace schemashift::testing
