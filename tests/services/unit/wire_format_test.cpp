// The Confluent framing: magic byte 0, a big-endian schema id, the payload; and the reasons
// bytes that are not framed are refused with.
#include "wire_format.h"

#include <gtest/gtest.h>

namespace schemashift::svc {
namespace {

TEST(WireFormat, FramesMagicByteBigEndianIdThenPayload) {
  const std::string bytes = frame(0x01020304, R"({"a":1})");
  ASSERT_EQ(bytes.size(), 5u + 7u);
  EXPECT_EQ(bytes[0], '\0');
  EXPECT_EQ(bytes[1], '\x01');
  EXPECT_EQ(bytes[2], '\x02');
  EXPECT_EQ(bytes[3], '\x03');
  EXPECT_EQ(bytes[4], '\x04');
  EXPECT_EQ(bytes.substr(5), R"({"a":1})");
}

TEST(WireFormat, RoundTripsIdsAcrossTheirRange) {
  for (std::int32_t id : {0, 1, 255, 256, 65536, 0x7fffffff}) {
    const std::string bytes = frame(id, "{}");
    auto r = unframe(bytes);
    ASSERT_TRUE(r.ok()) << id;
    EXPECT_EQ(r->schema_id, id);
    EXPECT_EQ(r->payload, "{}");
  }
}

TEST(WireFormat, PlainJsonIsABadMagicByte) {
  auto r = unframe(R"({"order_id":1})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "bad magic byte 0x7b");
}

TEST(WireFormat, EmptyAndShortMessagesAreRefused) {
  auto empty = unframe("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().reason, "empty message");
  auto shorter = unframe(std::string("\0\0\1", 3));
  ASSERT_FALSE(shorter.ok());
  EXPECT_EQ(shorter.error().reason, "message of 3 bytes is shorter than the 5-byte header");
}

TEST(WireFormat, EmptyPayloadAfterTheHeaderIsFramed) {
  auto r = unframe(std::string("\0\0\0\0\x2a", 5));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->schema_id, 42);
  EXPECT_TRUE(r->payload.empty());
}

}  // namespace
}  // namespace schemashift::svc
