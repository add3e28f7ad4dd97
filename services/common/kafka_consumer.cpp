#include "kafka_consumer.h"

#include <stdexcept>

#include <librdkafka/rdkafkacpp.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "dead_letter.h"
#include "kafka_log.h"

namespace schemashift::svc {

namespace {
void set(RdKafka::Conf& conf, const std::string& key, const std::string& value) {
  std::string err;
  if (conf.set(key, value, err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka consumer setting " + key + ": " + err);
}

ConsumedMessage copy_of(RdKafka::Message& m) {
  ConsumedMessage c;
  c.topic = m.topic_name();
  c.partition = m.partition();
  c.offset = m.offset();
  if (m.key()) c.key = *m.key();
  c.value.assign(static_cast<const char*>(m.payload()), m.len());
  if (const RdKafka::Headers* headers = m.headers()) {
    for (const auto& h : headers->get_all()) {
      c.headers.emplace_back(
          h.key(), h.value() ? std::string(static_cast<const char*>(h.value()), h.value_size())
                             : std::string());
    }
  }
  return c;
}
}  // namespace

KafkaConsumer::KafkaConsumer(ConsumerOptions opts, DeadLetter& dead_letter,
                             prometheus::Registry* metrics)
    : opts_(std::move(opts)), dead_letter_(dead_letter) {
  if (metrics) {
    messages_ = &prometheus::BuildCounter()
                     .Name("kafka_consumer_messages_total")
                     .Help("Consumed messages by outcome: processed, dead_lettered, retried")
                     .Register(*metrics);
  }
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set(*conf, "bootstrap.servers", opts_.bootstrap);
  route_kafka_logs(*conf);
  set(*conf, "group.id", opts_.group_id);
  set(*conf, "client.id", opts_.client_id);
  set(*conf, "enable.auto.commit", "false");
  set(*conf, "enable.auto.offset.store", "false");
  set(*conf, "auto.offset.reset", "earliest");
  set(*conf, "reconnect.backoff.max.ms", "1000");
  set(*conf, "session.timeout.ms", "10000");
  set(*conf, "heartbeat.interval.ms", "1000");
  // A topic nobody produced to yet is created rather than waited for (brokers that allow it).
  set(*conf, "allow.auto.create.topics", "true");
  set(*conf, "topic.metadata.refresh.interval.ms", "10000");
  std::string err;
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) throw std::runtime_error("kafka consumer: " + err);
}

KafkaConsumer::~KafkaConsumer() { stop(); }

void KafkaConsumer::start(MessageHandler handler) {
  handler_ = std::move(handler);
  const RdKafka::ErrorCode rc = consumer_->subscribe(opts_.topics);
  if (rc != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("kafka subscribe: " + RdKafka::err2str(rc));
  thread_ = std::thread([this] { loop(); });
}

void KafkaConsumer::stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  consumer_->close();
}

void KafkaConsumer::count(const std::string& topic, const char* outcome) {
  if (messages_) messages_->Add({{"topic", topic}, {"outcome", outcome}}).Increment();
}

void KafkaConsumer::loop() {
  Backoff backoff(opts_.retry);
  const auto stopping = [this] { return stopping_.load(); };
  while (!stopping_) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(200));
    if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) continue;
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      spdlog::warn("kafka consume: {}", m->errstr());
      continue;
    }
    const ConsumedMessage msg = copy_of(*m);
    Outcome outcome;
    try {
      outcome = handler_(msg);
    } catch (const std::exception& e) {
      outcome = Outcome::retry(std::string("handler failed: ") + e.what());
    }
    if (outcome.kind == Outcome::kDeadLetter) {
      auto published = dead_letter_.publish(msg, outcome.reason);
      if (published) {
        spdlog::warn("dead-lettered {}[{}]@{}: {}", msg.topic, msg.partition, msg.offset,
                     outcome.reason);
        count(msg.topic, "dead_lettered");
      } else {
        outcome = Outcome::retry(published.error());
      }
    } else if (outcome.kind == Outcome::kDone) {
      count(msg.topic, "processed");
    }
    if (outcome.kind == Outcome::kRetry) {
      count(msg.topic, "retried");
      const auto delay = backoff.next_delay();
      spdlog::warn("retrying {}[{}]@{} in {} ms: {}", msg.topic, msg.partition, msg.offset,
                   delay.count(), outcome.reason);
      // Read the same message again: seek back, then wait (consuming nothing meanwhile).
      std::unique_ptr<RdKafka::TopicPartition> tp(
          RdKafka::TopicPartition::create(msg.topic, msg.partition, msg.offset));
      const RdKafka::ErrorCode rc = consumer_->seek(*tp, 5000);
      if (rc != RdKafka::ERR_NO_ERROR)
        spdlog::warn("kafka seek back to {}@{}: {}", msg.topic, msg.offset, RdKafka::err2str(rc));
      sleep_unless(delay, stopping);
      continue;
    }
    backoff.reset();
    for (;;) {
      const RdKafka::ErrorCode rc = consumer_->commitSync(m.get());
      if (rc == RdKafka::ERR_NO_ERROR) break;
      // The effect is committed and de-duplicated: a lost commit only means a redelivery.
      spdlog::warn("kafka commit {}@{}: {}", msg.topic, msg.offset, RdKafka::err2str(rc));
      if (rc != RdKafka::ERR__TRANSPORT && rc != RdKafka::ERR_REQUEST_TIMED_OUT &&
          rc != RdKafka::ERR_COORDINATOR_NOT_AVAILABLE && rc != RdKafka::ERR_NOT_COORDINATOR)
        break;
      if (!sleep_unless(backoff.next_delay(), stopping)) break;
    }
    backoff.reset();
    ++handled_;
  }
}

}  // namespace schemashift::svc
