// The ledger against the databases, after a run: judged by what the tables hold, never by the
// operator's status. Rows: every acknowledged customer is there with a name the ledger allows,
// every acknowledged order with the cents sent. Events: every acknowledged order became
// exactly one shipment, with the cents sent and the customer's street; what the consumer
// dead-lettered is counted on the dead-letter topic.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/load/ledger.h"

namespace schemashift::scenarios {

struct RowCheck {
  std::int64_t checked = 0, lost = 0, wrong = 0;
  std::vector<std::string> examples;  // the first ten
};
// name_sql returns (id bigint, name text): "SELECT id, given_name FROM customers".
RowCheck check_customers(const std::string& dsn, const Ledger& ledger, const std::string& name_sql);
// amount_sql returns (id bigint, cents bigint): "SELECT id, amount_cents::bigint FROM orders".
RowCheck check_orders(const std::string& dsn, const Ledger& ledger, const std::string& amount_sql);
RowCheck& operator+=(RowCheck& a, const RowCheck& b);

struct EventCheck {
  std::int64_t produced = 0, lost = 0, duplicated = 0, misread = 0, dead_lettered = 0;
  std::vector<std::string> examples;
};
// address_sql returns (id bigint, street text) from the customers database. Waits up to
// `settle` for the last shipments.
EventCheck check_events(const std::string& fulfillment_dsn, const std::string& customers_dsn,
                        const std::string& address_sql, const Ledger& ledger,
                        const std::string& kafka_bootstrap, const std::string& dlq_topic,
                        std::chrono::milliseconds settle);

// Messages on `topic` (the sum of its partitions' high watermarks; 0 when it does not exist).
std::int64_t topic_messages(const std::string& bootstrap, const std::string& topic);

}  // namespace schemashift::scenarios
