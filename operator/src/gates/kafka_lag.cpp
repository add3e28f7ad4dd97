#include "gates/kafka_lag.h"

#include <librdkafka/rdkafkacpp.h>

#include <memory>

namespace schemashift::gates {

Measurement measure_kafka_lag(const nlohmann::json& params) {
  const std::string bootstrap = params.value("bootstrap", ""), group = params.value("group", ""),
                    topic = params.value("topic", "");
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  if (conf->set("bootstrap.servers", bootstrap, err) != RdKafka::Conf::CONF_OK ||
      conf->set("group.id", group, err) != RdKafka::Conf::CONF_OK ||
      conf->set("enable.auto.commit", "false", err) != RdKafka::Conf::CONF_OK ||
      conf->set("socket.timeout.ms", "3000", err) != RdKafka::Conf::CONF_OK) {
    return {MeasurementKind::kError, 0, "kafka configuration: " + err};
  }
  // A consumer that never subscribes: it only reads the group's committed offsets.
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) return {MeasurementKind::kError, 0, "kafka client: " + err};
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(c.get(), topic, nullptr, err));
  RdKafka::Metadata* raw = nullptr;
  if (auto rc = c->metadata(false, t.get(), &raw, 3000); rc != RdKafka::ERR_NO_ERROR) {
    c->close();
    return {MeasurementKind::kError, 0,
            "kafka metadata for " + topic + ": " + RdKafka::err2str(rc)};
  }
  std::unique_ptr<RdKafka::Metadata> md(raw);
  const RdKafka::TopicMetadata* tm = md->topics()->empty() ? nullptr : (*md->topics())[0];
  if (!tm || tm->err() != RdKafka::ERR_NO_ERROR || tm->partitions()->empty()) {
    c->close();
    return {MeasurementKind::kNoData, 0, "topic " + topic + " is unknown to the broker"};
  }
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto* p : *tm->partitions())
    parts.push_back(RdKafka::TopicPartition::create(topic, p->id()));
  Measurement m{MeasurementKind::kValue, 0, ""};
  if (auto rc = c->committed(parts, 5000); rc != RdKafka::ERR_NO_ERROR) {
    m = {MeasurementKind::kError, 0,
         "committed offsets of group " + group + ": " + RdKafka::err2str(rc)};
  } else {
    long long lag = 0;
    for (auto* p : parts) {
      int64_t low = 0, high = 0;
      if (auto wrc = c->query_watermark_offsets(topic, p->partition(), &low, &high, 5000);
          wrc != RdKafka::ERR_NO_ERROR) {
        m = {MeasurementKind::kError, 0, "watermarks of " + topic + ": " + RdKafka::err2str(wrc)};
        break;
      }
      const int64_t committed = p->offset() >= 0 ? p->offset() : low;
      lag += std::max<int64_t>(0, high - committed);
    }
    if (m.kind == MeasurementKind::kValue) {
      m.value = static_cast<double>(lag);
      m.detail = "group " + group + " is " + std::to_string(lag) + " messages behind on " + topic +
                 " (" + std::to_string(parts.size()) + " partitions)";
    }
  }
  RdKafka::TopicPartition::destroy(parts);
  c->close();
  return m;
}

}  // namespace schemashift::gates
