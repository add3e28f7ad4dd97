// What a dead-lettered message looks like: the original bytes, key and headers, plus the
// reason and origin headers, on "<topic>.dlq".
#include "dead_letter.h"

#include <gtest/gtest.h>

#include "kafka_consumer.h"

namespace schemashift::svc {
namespace {

TEST(DeadLetterMessage, KeepsTheBytesAndNamesReasonAndOrigin) {
  ConsumedMessage original;
  original.topic = "orders.order-created";
  original.partition = 2;
  original.offset = 1234567890123;
  original.key = "17";
  original.value = std::string("\x7b\0\x01", 3);
  original.headers = {{"traceparent", "00-abc"}};
  const OutgoingMessage m = dead_letter_message(original, "bad magic byte 0x7b", "fulfillment");
  EXPECT_EQ(m.topic, "orders.order-created.dlq");
  EXPECT_EQ(m.key, "17");
  EXPECT_EQ(m.value, original.value);
  const KafkaHeaders expected = {{"traceparent", "00-abc"},
                                 {"dlq.reason", "bad magic byte 0x7b"},
                                 {"dlq.origin.topic", "orders.order-created"},
                                 {"dlq.origin.partition", "2"},
                                 {"dlq.origin.offset", "1234567890123"},
                                 {"dlq.service", "fulfillment"}};
  EXPECT_EQ(m.headers, expected);
}

}  // namespace
}  // namespace schemashift::svc
