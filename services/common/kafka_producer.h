// An idempotent Kafka producer (librdkafka, enable.idempotence=true, acks=all) whose every
// delivery result reaches the caller: produce() returns a future that holds the broker's
// acknowledgement or the failure. Deliveries are counted in
// kafka_producer_deliveries_total{topic,result="delivered|failed"}.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace RdKafka {
class Producer;
class DeliveryReportCb;
}  // namespace RdKafka
namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace schemashift::svc {

using KafkaHeaders = std::vector<std::pair<std::string, std::string>>;

struct OutgoingMessage {
  std::string topic;
  std::string key;
  std::string value;
  KafkaHeaders headers;
};

struct DeliveryResult {
  bool delivered = false;
  std::string error;  // why not, when !delivered
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

struct ProducerOptions {
  std::string bootstrap;
  std::string client_id = "schemashift-service";
  // How long a message may wait for the broker before its delivery fails.
  std::chrono::milliseconds delivery_timeout{15000};
  std::chrono::milliseconds linger{5};
};

class KafkaProducer {
 public:
  // `metrics` may be null; throws std::runtime_error on a configuration librdkafka refuses.
  KafkaProducer(ProducerOptions opts, prometheus::Registry* metrics);
  ~KafkaProducer();  // flushes for up to 2 s; what is still queued then fails
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  std::future<DeliveryResult> produce(const OutgoingMessage& msg);
  // Waits until every queued message has its result; false when `timeout` passed first.
  bool flush(std::chrono::milliseconds timeout);

 private:
  class Reports;
  void count(const std::string& topic, bool delivered);

  ProducerOptions opts_;
  std::unique_ptr<Reports> reports_;
  std::unique_ptr<RdKafka::Producer> producer_;
  prometheus::Family<prometheus::Counter>* deliveries_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

}  // namespace schemashift::svc
