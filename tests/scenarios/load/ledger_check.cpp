#include "scenarios/load/ledger_check.h"

#include <map>
#include <memory>
#include <thread>

#include <librdkafka/rdkafkacpp.h>
#include <pqxx/pqxx>

namespace schemashift::scenarios {

namespace {

template <typename T>
std::map<std::int64_t, T> read_pairs(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  std::map<std::int64_t, T> out;
  for (const auto& row : tx.exec(sql))
    out[row[0].as<std::int64_t>()] = row[1].is_null() ? T{} : row[1].as<T>();
  return out;
}

void example(std::vector<std::string>& v, const std::string& s) {
  if (v.size() < 10) v.push_back(s);
}

}  // namespace

RowCheck& operator+=(RowCheck& a, const RowCheck& b) {
  a.checked += b.checked;
  a.lost += b.lost;
  a.wrong += b.wrong;
  for (const auto& e : b.examples) example(a.examples, e);
  return a;
}

RowCheck check_customers(const std::string& dsn, const Ledger& ledger,
                         const std::string& name_sql) {
  RowCheck r;
  const auto rows = read_pairs<std::string>(dsn, name_sql);
  for (const auto& [id, names] : ledger.customers()) {
    ++r.checked;
    auto it = rows.find(id);
    if (it == rows.end()) {
      ++r.lost;
      example(r.examples, "customer " + std::to_string(id) + " is missing");
    } else if (!names.count(it->second)) {
      ++r.wrong;
      example(r.examples, "customer " + std::to_string(id) + " holds name '" + it->second +
                              "', which no write left");
    }
  }
  return r;
}

RowCheck check_orders(const std::string& dsn, const Ledger& ledger, const std::string& amount_sql) {
  RowCheck r;
  const auto rows = read_pairs<std::int64_t>(dsn, amount_sql);
  for (const auto& [id, sent] : ledger.orders()) {
    ++r.checked;
    auto it = rows.find(id);
    if (it == rows.end()) {
      ++r.lost;
      example(r.examples, "order " + std::to_string(id) + " is missing");
    } else if (it->second != sent.cents) {
      ++r.wrong;
      example(r.examples, "order " + std::to_string(id) + " holds " + std::to_string(it->second) +
                              " cents, the client sent " + std::to_string(sent.cents));
    }
  }
  return r;
}

std::int64_t topic_messages(const std::string& bootstrap, const std::string& topic) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", bootstrap, err);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  if (!p) throw std::runtime_error("kafka: " + err);
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(p.get(), topic, nullptr, err));
  RdKafka::Metadata* md = nullptr;
  if (p->metadata(false, t.get(), &md, 5000) != RdKafka::ERR_NO_ERROR || !md) return 0;
  std::unique_ptr<RdKafka::Metadata> owned(md);
  std::int64_t total = 0;
  for (const auto* tm : *md->topics()) {
    if (tm->topic() != topic || tm->err() != RdKafka::ERR_NO_ERROR) continue;
    for (const auto* pm : *tm->partitions()) {
      std::int64_t low = 0, high = 0;
      if (p->query_watermark_offsets(topic, pm->id(), &low, &high, 5000) == RdKafka::ERR_NO_ERROR)
        total += high - low;
    }
  }
  return total;
}

EventCheck check_events(const std::string& fulfillment_dsn, const std::string& customers_dsn,
                        const std::string& address_sql, const Ledger& ledger,
                        const std::string& kafka_bootstrap, const std::string& dlq_topic,
                        std::chrono::milliseconds settle) {
  EventCheck e;
  const auto orders = ledger.orders();
  e.produced = static_cast<std::int64_t>(orders.size());
  const auto streets = read_pairs<std::string>(customers_dsn, address_sql);
  struct Shipment {
    std::int64_t count = 0, cents = 0;
    std::string street;
  };
  std::map<std::int64_t, Shipment> shipped;
  pqxx::connection c(fulfillment_dsn);
  const auto deadline = std::chrono::steady_clock::now() + settle;
  for (;;) {
    shipped.clear();
    pqxx::nontransaction tx(c);
    for (const auto& row :
         tx.exec("SELECT order_id, count(*), max(total_cents), "
                 "coalesce(max(ship_to->>'street'), '') FROM shipments GROUP BY order_id")) {
      const auto id = row[0].as<std::int64_t>();
      if (!orders.count(id)) continue;
      shipped[id] = {row[1].as<std::int64_t>(), row[2].as<std::int64_t>(),
                     row[3].as<std::string>()};
    }
    if (shipped.size() >= orders.size() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  for (const auto& [id, sent] : orders) {
    auto it = shipped.find(id);
    if (it == shipped.end()) {
      ++e.lost;
      example(e.examples, "order " + std::to_string(id) + " never shipped");
      continue;
    }
    if (it->second.count > 1) {
      ++e.duplicated;
      example(e.examples, "order " + std::to_string(id) + " shipped " +
                              std::to_string(it->second.count) + " times");
    }
    const auto street = streets.find(sent.customer_id);
    if (it->second.cents != sent.cents) {
      ++e.misread;
      example(e.examples, "order " + std::to_string(id) + " shipped with " +
                              std::to_string(it->second.cents) + " cents, sent " +
                              std::to_string(sent.cents));
    } else if (street == streets.end() || it->second.street.empty() ||
               it->second.street != street->second) {
      ++e.misread;
      example(e.examples, "order " + std::to_string(id) + " shipped to street '" +
                              it->second.street + "', the customer's is '" +
                              (street == streets.end() ? std::string("?") : street->second) + "'");
    }
  }
  e.dead_lettered = topic_messages(kafka_bootstrap, dlq_topic);
  return e;
}

}  // namespace schemashift::scenarios
