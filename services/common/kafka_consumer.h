// A Kafka group consumer that commits a message's offset only after its handler finished
// with it (enable.auto.commit=false), so a crash redelivers rather than loses. The handler
// says what became of each message:
//   done         -> commit and move on (the handler de-duplicates by event id, see
//                   processed_events.h, since a redelivery is always possible);
//   retry        -> a dependency is down (registry, database, customers): the message is
//                   read again after a backoff with jitter, never skipped;
//   dead-letter  -> the message can never be processed: it goes to "<topic>.dlq" with the
//                   reason and origin in headers, then the offset is committed.
// Outcomes are counted in kafka_consumer_messages_total{topic,outcome}.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kafka_producer.h"
#include "retry.h"

namespace RdKafka {
class KafkaConsumer;
}  // namespace RdKafka

namespace schemashift::svc {

class DeadLetter;

struct ConsumedMessage {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  KafkaHeaders headers;
};

struct Outcome {
  enum Kind { kDone, kRetry, kDeadLetter };
  Kind kind = kDone;
  std::string reason;
  static Outcome done() { return {kDone, {}}; }
  static Outcome retry(std::string why) { return {kRetry, std::move(why)}; }
  static Outcome dead_letter(std::string why) { return {kDeadLetter, std::move(why)}; }
};

using MessageHandler = std::function<Outcome(const ConsumedMessage&)>;

struct ConsumerOptions {
  std::string bootstrap;
  std::string group_id;
  std::vector<std::string> topics;
  std::string client_id = "schemashift-service";
  BackoffPolicy retry{std::chrono::milliseconds(200), std::chrono::milliseconds(5000), 2.0, 0.5};
};

class KafkaConsumer {
 public:
  // `metrics` may be null. Throws std::runtime_error on a configuration librdkafka refuses.
  KafkaConsumer(ConsumerOptions opts, DeadLetter& dead_letter, prometheus::Registry* metrics);
  ~KafkaConsumer();  // stop()
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Subscribes and consumes on a thread of its own until stop().
  void start(MessageHandler handler);
  // Finishes the message in hand, leaves the group; committed offsets stay.
  void stop();
  // Messages handled to an end (done or dead-lettered) since start.
  std::int64_t handled() const { return handled_; }

 private:
  void loop();
  void count(const std::string& topic, const char* outcome);

  ConsumerOptions opts_;
  DeadLetter& dead_letter_;
  MessageHandler handler_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  prometheus::Family<prometheus::Counter>* messages_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> handled_{0};
  std::thread thread_;
};

}  // namespace schemashift::svc
