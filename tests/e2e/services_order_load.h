// Orders created at a fixed rate through the orders Service while a test breaks something,
// with the test's own ledger: the ids the API acknowledged (201), and how many requests got
// no acknowledgement (an error, a timeout, a refused connection). Only an acknowledged order
// must survive; an unacknowledged one may or may not exist.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace schemashift::testing {

class OrderLoad {
 public:
  // POSTs /v1/orders for `customer_id` to `orders_url` every `period` from a thread of its own.
  OrderLoad(std::string orders_url, std::int64_t customer_id, std::chrono::milliseconds period);
  ~OrderLoad();  // stops
  void stop();

  std::vector<std::int64_t> acknowledged() const;
  // order id -> the amount in cents the test sent for it, for the acknowledged ones.
  std::map<std::int64_t, std::int64_t> amounts() const;
  int unacknowledged() const { return unacknowledged_; }
  int sent() const { return sent_; }

 private:
  void run();

  std::string url_;
  std::int64_t customer_id_;
  std::chrono::milliseconds period_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> sent_{0}, unacknowledged_{0};
  mutable std::mutex mu_;
  std::vector<std::int64_t> acked_;
  std::map<std::int64_t, std::int64_t> amounts_;
  std::thread thread_;
};

class Shop;

// What is wrong with the ledger's orders once the system settled: an order without exactly one
// outbox event, without exactly one shipment, or whose shipment came from another event than
// the order's own; with `amounts`, also a shipment whose total is not what the test sent (an
// event misread). Waits up to `timeout` for the last shipments; "" when nothing is wrong.
std::string ledger_problems(Shop& shop, const std::vector<std::int64_t>& acknowledged,
                            std::chrono::milliseconds timeout,
                            const std::map<std::int64_t, std::int64_t>* amounts = nullptr);

}  // namespace schemashift::testing
