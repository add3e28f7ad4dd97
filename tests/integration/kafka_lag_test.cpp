// The kafkaConsumerLag provider against the real broker: the lag it reports equals the lag
// computed independently (high watermark minus committed offset, per partition); an unknown
// topic is no data, never a pass.
#include <memory>

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include "gates/kafka_lag.h"
#include "support/stack_env.h"

namespace {

using namespace schemashift::gates;
using schemashift::testing::stack_var;
using schemashift::testing::unique_suffix;

std::unique_ptr<RdKafka::Conf> conf(std::initializer_list<std::pair<const char*, std::string>> kv) {
  std::unique_ptr<RdKafka::Conf> c(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [k, v] : kv) c->set(k, v, err);
  return c;
}

TEST(KafkaLag, TheGateReportsTheLagComputedFromOffsets) {
  const std::string bootstrap = stack_var("KAFKA_BOOTSTRAP");
  const std::string topic = "lag-" + unique_suffix(), group = "lag-group-" + unique_suffix();
  std::string err;
  auto pconf = conf({{"bootstrap.servers", bootstrap}, {"acks", "all"}});
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), err));
  ASSERT_TRUE(producer) << err;
  for (int i = 0; i < 100; ++i) {
    std::string v = "event-" + std::to_string(i);
    ASSERT_EQ(producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                v.data(), v.size(), nullptr, 0, 0, nullptr),
              RdKafka::ERR_NO_ERROR);
  }
  ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);

  auto cconf = conf({{"bootstrap.servers", bootstrap},
                     {"group.id", group},
                     {"auto.offset.reset", "earliest"},
                     {"enable.auto.commit", "false"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(cconf.get(), err));
  ASSERT_EQ(consumer->subscribe({topic}), RdKafka::ERR_NO_ERROR);
  int consumed = 0;
  for (int tries = 0; consumed < 60 && tries < 200; ++tries) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR) ++consumed;
  }
  ASSERT_EQ(consumed, 60);
  ASSERT_EQ(consumer->commitSync(), RdKafka::ERR_NO_ERROR);
  consumer->close();

  // Independently: committed offsets and watermarks, partition by partition.
  std::unique_ptr<RdKafka::KafkaConsumer> observer(RdKafka::KafkaConsumer::create(
      conf({{"bootstrap.servers", bootstrap}, {"group.id", group}}).get(), err));
  std::vector<RdKafka::TopicPartition*> parts;
  for (int p = 0; p < 3; ++p) parts.push_back(RdKafka::TopicPartition::create(topic, p));
  ASSERT_EQ(observer->committed(parts, 10000), RdKafka::ERR_NO_ERROR);
  long long expected = 0;
  for (auto* tp : parts) {
    int64_t low = 0, high = 0;
    ASSERT_EQ(observer->query_watermark_offsets(topic, tp->partition(), &low, &high, 10000),
              RdKafka::ERR_NO_ERROR);
    expected += high - (tp->offset() >= 0 ? tp->offset() : low);
  }
  RdKafka::TopicPartition::destroy(parts);
  observer->close();

  const Measurement m =
      measure_kafka_lag({{"bootstrap", bootstrap}, {"group", group}, {"topic", topic}});
  ASSERT_EQ(m.kind, MeasurementKind::kValue) << m.detail;
  EXPECT_EQ(expected, 40);
  EXPECT_EQ(m.value, static_cast<double>(expected)) << m.detail;
  EXPECT_NE(m.detail.find("40 messages behind"), std::string::npos) << m.detail;
}

TEST(KafkaLag, AnUnknownTopicIsNoData) {
  const Measurement m = measure_kafka_lag({{"bootstrap", stack_var("KAFKA_BOOTSTRAP")},
                                           {"group", "g-" + unique_suffix()},
                                           {"topic", "missing-" + unique_suffix()}});
  EXPECT_EQ(m.kind, MeasurementKind::kNoData) << m.detail;
}

}  // namespace
