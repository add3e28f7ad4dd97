// The dead-letter topic of a consumer: a message it can never process (bad framing, an
// unknown schema id, invalid JSON, a missing required field) is copied, bytes untouched, to
// "<topic>.dlq" with headers naming why and where it came from:
//   dlq.reason, dlq.origin.topic, dlq.origin.partition, dlq.origin.offset, dlq.service.
// Only once the broker acknowledged the copy may the consumer commit past the original.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"
#include "kafka_producer.h"

namespace schemashift::svc {

struct ConsumedMessage;

std::string dead_letter_topic(const std::string& topic);

// The message sent to the dead-letter topic for `original`.
OutgoingMessage dead_letter_message(const ConsumedMessage& original, const std::string& reason,
                                    const std::string& service);

class DeadLetter {
 public:
  DeadLetter(KafkaProducer& producer, std::string service,
             std::chrono::milliseconds ack_timeout = std::chrono::milliseconds(20000));
  // Publishes and waits for the broker's acknowledgement; the error says why it failed.
  Result<void, std::string> publish(const ConsumedMessage& original, const std::string& reason);

 private:
  KafkaProducer& producer_;
  std::string service_;
  std::chrono::milliseconds ack_timeout_;
};

}  // namespace schemashift::svc
