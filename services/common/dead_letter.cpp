#include "dead_letter.h"

#include "kafka_consumer.h"

namespace schemashift::svc {

std::string dead_letter_topic(const std::string& topic) { return topic + ".dlq"; }

OutgoingMessage dead_letter_message(const ConsumedMessage& original, const std::string& reason,
                                    const std::string& service) {
  OutgoingMessage m;
  m.topic = dead_letter_topic(original.topic);
  m.key = original.key;
  m.value = original.value;
  m.headers = original.headers;
  m.headers.emplace_back("dlq.reason", reason);
  m.headers.emplace_back("dlq.origin.topic", original.topic);
  m.headers.emplace_back("dlq.origin.partition", std::to_string(original.partition));
  m.headers.emplace_back("dlq.origin.offset", std::to_string(original.offset));
  m.headers.emplace_back("dlq.service", service);
  return m;
}

DeadLetter::DeadLetter(KafkaProducer& producer, std::string service,
                       std::chrono::milliseconds ack_timeout)
    : producer_(producer), service_(std::move(service)), ack_timeout_(ack_timeout) {}

Result<void, std::string> DeadLetter::publish(const ConsumedMessage& original,
                                              const std::string& reason) {
  auto future = producer_.produce(dead_letter_message(original, reason, service_));
  if (future.wait_for(ack_timeout_) != std::future_status::ready)
    return fail(std::string("dead-letter topic did not acknowledge in time"));
  const DeliveryResult r = future.get();
  if (!r.delivered) return fail("dead-letter delivery failed: " + r.error);
  return {};
}

}  // namespace schemashift::svc
