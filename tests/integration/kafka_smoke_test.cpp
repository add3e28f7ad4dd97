// Kafka is real: 1,000 messages produced with acks=all and idempotence on are all delivered,
// consumed by a group and committed, and the group's lag (high watermark minus committed
// offset, read back from the broker by a separate client) is 0.
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include "support/stack_env.h"

namespace {

using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

std::unique_ptr<RdKafka::Conf> conf(std::initializer_list<std::pair<const char*, std::string>> kv) {
  std::unique_ptr<RdKafka::Conf> c(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [k, v] : kv) {
    if (c->set(k, v, err) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error(std::string(k) + ": " + err);
  }
  return c;
}

struct DeliveryCounter : RdKafka::DeliveryReportCb {
  int delivered = 0;
  int failed = 0;
  std::string last_error;
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      ++delivered;
    } else {
      ++failed;
      last_error = m.errstr();
    }
  }
};

TEST(KafkaSmoke, ThousandIdempotentMessagesAreConsumedCommittedAndLagIsZero) {
  const std::string bootstrap = stack_var("KAFKA_BOOTSTRAP");
  const std::string topic = "smoke-" + unique_suffix();
  const std::string group = "smoke-group-" + unique_suffix();
  constexpr int kMessages = 1000;
  std::string err;

  DeliveryCounter dr;
  auto pconf = conf({{"bootstrap.servers", bootstrap},
                     {"acks", "all"},
                     {"enable.idempotence", "true"},
                     {"linger.ms", "5"}});
  ASSERT_EQ(pconf->set("dr_cb", &dr, err), RdKafka::Conf::CONF_OK) << err;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), err));
  ASSERT_TRUE(producer) << err;
  for (int i = 0; i < kMessages; ++i) {
    std::string key = "order-" + std::to_string(i);
    std::string value = R"({"order_id":")" + key + R"(","total":)" + std::to_string(i) + ".5}";
    RdKafka::ErrorCode rc;
    while ((rc = producer->produce(
                topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, value.data(),
                value.size(), key.data(), key.size(), 0, nullptr)) == RdKafka::ERR__QUEUE_FULL) {
      producer->poll(50);
    }
    ASSERT_EQ(rc, RdKafka::ERR_NO_ERROR) << RdKafka::err2str(rc);
    producer->poll(0);
  }
  ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(dr.delivered, kMessages) << dr.last_error;
  EXPECT_EQ(dr.failed, 0) << dr.last_error;

  auto cconf = conf({{"bootstrap.servers", bootstrap},
                     {"group.id", group},
                     {"auto.offset.reset", "earliest"},
                     {"enable.auto.commit", "false"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(cconf.get(), err));
  ASSERT_TRUE(consumer) << err;
  ASSERT_EQ(consumer->subscribe({topic}), RdKafka::ERR_NO_ERROR);
  int received = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (received < kMessages && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(500));
    if (m->err() == RdKafka::ERR_NO_ERROR) ++received;
  }
  ASSERT_EQ(received, kMessages);
  ASSERT_EQ(consumer->commitSync(), RdKafka::ERR_NO_ERROR);
  std::vector<RdKafka::TopicPartition*> assigned;
  ASSERT_EQ(consumer->assignment(assigned), RdKafka::ERR_NO_ERROR);
  const size_t partitions = assigned.size();
  RdKafka::TopicPartition::destroy(assigned);
  consumer->close();
  ASSERT_GT(partitions, 0u);

  // Independently: another client of the same group reads the committed offsets from the
  // broker and the high watermarks; their difference is the lag.
  auto aconf = conf({{"bootstrap.servers", bootstrap}, {"group.id", group}});
  std::unique_ptr<RdKafka::KafkaConsumer> observer(
      RdKafka::KafkaConsumer::create(aconf.get(), err));
  ASSERT_TRUE(observer) << err;
  std::vector<RdKafka::TopicPartition*> parts;
  for (size_t p = 0; p < partitions; ++p)
    parts.push_back(RdKafka::TopicPartition::create(topic, static_cast<int>(p)));
  ASSERT_EQ(observer->committed(parts, 10000), RdKafka::ERR_NO_ERROR);
  int64_t lag = 0, total = 0;
  for (auto* tp : parts) {
    int64_t low = 0, high = 0;
    ASSERT_EQ(observer->query_watermark_offsets(topic, tp->partition(), &low, &high, 10000),
              RdKafka::ERR_NO_ERROR);
    ASSERT_GE(tp->offset(), 0) << "partition " << tp->partition() << " has no committed offset";
    lag += high - tp->offset();
    total += high;
  }
  RdKafka::TopicPartition::destroy(parts);
  observer->close();
  EXPECT_EQ(total, kMessages) << "high watermarks must account for every message";
  EXPECT_EQ(lag, 0);
}

}  // namespace
