#include "kafka_producer.h"

#include <stdexcept>

#include <librdkafka/rdkafkacpp.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "kafka_log.h"

namespace schemashift::svc {

namespace {
struct Pending {
  std::promise<DeliveryResult> promise;
  std::string topic;
};

void set(RdKafka::Conf& conf, const std::string& key, const std::string& value) {
  std::string err;
  if (conf.set(key, value, err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka producer setting " + key + ": " + err);
}
}  // namespace

class KafkaProducer::Reports : public RdKafka::DeliveryReportCb {
 public:
  explicit Reports(KafkaProducer& owner) : owner_(owner) {}
  void dr_cb(RdKafka::Message& m) override {
    std::unique_ptr<Pending> pending(static_cast<Pending*>(m.msg_opaque()));
    if (!pending) return;
    DeliveryResult r;
    r.delivered = m.err() == RdKafka::ERR_NO_ERROR;
    if (!r.delivered) r.error = m.errstr();
    r.partition = m.partition();
    r.offset = m.offset();
    owner_.count(pending->topic, r.delivered);
    pending->promise.set_value(std::move(r));
  }

 private:
  KafkaProducer& owner_;
};

KafkaProducer::KafkaProducer(ProducerOptions opts, prometheus::Registry* metrics)
    : opts_(std::move(opts)), reports_(std::make_unique<Reports>(*this)) {
  if (metrics) {
    deliveries_ = &prometheus::BuildCounter()
                       .Name("kafka_producer_deliveries_total")
                       .Help("Messages the broker acknowledged (delivered) or that failed")
                       .Register(*metrics);
  }
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set(*conf, "bootstrap.servers", opts_.bootstrap);
  route_kafka_logs(*conf);
  set(*conf, "client.id", opts_.client_id);
  set(*conf, "enable.idempotence", "true");
  set(*conf, "acks", "all");
  set(*conf, "linger.ms", std::to_string(opts_.linger.count()));
  set(*conf, "message.timeout.ms", std::to_string(opts_.delivery_timeout.count()));
  set(*conf, "socket.keepalive.enable", "true");
  set(*conf, "reconnect.backoff.max.ms", "1000");
  std::string err;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(reports_.get()), err) !=
      RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka producer delivery callback: " + err);
  producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer_) throw std::runtime_error("kafka producer: " + err);
  poller_ = std::thread([this] {
    while (!stopping_) producer_->poll(100);
  });
}

KafkaProducer::~KafkaProducer() {
  flush(std::chrono::milliseconds(2000));
  stopping_ = true;
  if (poller_.joinable()) poller_.join();
  producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
  producer_->poll(0);  // the purged messages' reports: their futures fail
}

void KafkaProducer::count(const std::string& topic, bool delivered) {
  if (!deliveries_) return;
  deliveries_->Add({{"topic", topic}, {"result", delivered ? "delivered" : "failed"}}).Increment();
}

std::future<DeliveryResult> KafkaProducer::produce(const OutgoingMessage& msg) {
  auto pending = std::make_unique<Pending>();
  pending->topic = msg.topic;
  auto future = pending->promise.get_future();
  RdKafka::Headers* headers = RdKafka::Headers::create();
  for (const auto& [name, value] : msg.headers) headers->add(name, value);
  const auto deadline = std::chrono::steady_clock::now() + opts_.delivery_timeout;
  for (;;) {
    const RdKafka::ErrorCode rc =
        producer_->produce(msg.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                           const_cast<char*>(msg.value.data()), msg.value.size(), msg.key.data(),
                           msg.key.size(), 0, headers, pending.get());
    if (rc == RdKafka::ERR_NO_ERROR) {
      pending.release();  // the delivery report owns it now
      return future;
    }
    if (rc == RdKafka::ERR__QUEUE_FULL && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    delete headers;
    count(msg.topic, false);
    pending->promise.set_value(DeliveryResult{false, RdKafka::err2str(rc), -1, -1});
    return future;
  }
}

bool KafkaProducer::flush(std::chrono::milliseconds timeout) {
  return producer_->flush(static_cast<int>(timeout.count())) == RdKafka::ERR_NO_ERROR;
}

}  // namespace schemashift::svc
