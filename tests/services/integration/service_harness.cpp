#include "service_harness.h"

#include <thread>

#include <httplib.h>
#include <librdkafka/rdkafkacpp.h>

#include "support/helpers.h"
#include "support/stack_env.h"

namespace schemashift::testing {

ServiceProcess start_service(const std::string& binary, const std::string& instance,
                             const std::string& dsn, std::vector<std::string> args) {
  args.push_back("--instance=" + instance);
  args.push_back("--drain-delay-ms=0");
  return ServiceProcess(binary, dsn, std::move(args));
}

HttpReply reply_of(const httplib::Result& r) {
  HttpReply out;
  if (!r) return out;
  out.status = r->status;
  out.text = r->body;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

namespace {
httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(std::chrono::seconds(2));
  c.set_read_timeout(std::chrono::seconds(10));
  return c;
}
}  // namespace

HttpReply http_post(int port, const std::string& path, const nlohmann::json& body) {
  auto c = client(port);
  return reply_of(c.Post(path.c_str(), body.dump(), "application/json"));
}

HttpReply http_get(int port, const std::string& path) {
  auto c = client(port);
  return reply_of(c.Get(path.c_str()));
}

double series_value(int metrics_port, const std::string& metric) {
  auto c = client(metrics_port);
  auto r = c.Get("/metrics");
  if (!r || r->status != 200) return -1;
  std::size_t pos = 0;
  const std::string& text = r->body;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    const std::string line = text.substr(pos, end == std::string::npos ? end : end - pos);
    if (line.rfind(metric + " ", 0) == 0) return std::stod(line.substr(metric.size() + 1));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return -1;
}

std::string TopicRecord::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return "";
}

namespace {
std::unique_ptr<RdKafka::Conf> conf(std::initializer_list<std::pair<const char*, std::string>> kv) {
  std::unique_ptr<RdKafka::Conf> c(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [k, v] : kv) {
    if (c->set(k, v, err) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error(std::string(k) + ": " + err);
  }
  return c;
}
}  // namespace

std::vector<TopicRecord> read_topic(const std::string& topic, std::size_t at_least,
                                    std::chrono::milliseconds timeout,
                                    std::chrono::milliseconds quiet) {
  std::string err;
  auto c = conf({{"bootstrap.servers", stack_var("KAFKA_BOOTSTRAP")},
                 {"group.id", "test-reader-" + unique_suffix()},
                 {"auto.offset.reset", "earliest"},
                 {"enable.auto.commit", "false"},
                 {"allow.auto.create.topics", "true"},
                 {"topic.metadata.refresh.interval.ms", "1000"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(c.get(), err));
  if (!consumer) throw std::runtime_error(err);
  consumer->subscribe({topic});
  std::vector<TopicRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto last = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    if (out.size() >= at_least && std::chrono::steady_clock::now() - last > quiet) break;
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    TopicRecord r;
    r.partition = m->partition();
    r.offset = m->offset();
    if (m->key()) r.key = *m->key();
    r.value.assign(static_cast<const char*>(m->payload()), m->len());
    if (RdKafka::Headers* h = m->headers()) {
      for (const auto& one : h->get_all())
        r.headers.emplace_back(
            one.key(), std::string(static_cast<const char*>(one.value()), one.value_size()));
    }
    out.push_back(std::move(r));
    last = std::chrono::steady_clock::now();
  }
  consumer->close();
  return out;
}

void produce_raw(const std::string& topic, const std::string& key, const std::string& value) {
  struct Report : RdKafka::DeliveryReportCb {
    RdKafka::ErrorCode err = RdKafka::ERR__IN_PROGRESS;
    void dr_cb(RdKafka::Message& m) override { err = m.err(); }
  } report;
  std::string err;
  auto c = conf({{"bootstrap.servers", stack_var("KAFKA_BOOTSTRAP")}, {"acks", "all"}});
  c->set("dr_cb", &report, err);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(c.get(), err));
  if (!p) throw std::runtime_error(err);
  const auto rc =
      p->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                 const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, nullptr);
  if (rc != RdKafka::ERR_NO_ERROR) throw std::runtime_error(RdKafka::err2str(rc));
  p->flush(20000);
  if (report.err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("produce to " + topic + ": " + RdKafka::err2str(report.err));
}

bool set_flag_acknowledged(const std::string& dsn, const std::string& service,
                           const std::string& instance, const std::string& key,
                           const std::string& value, std::chrono::milliseconds timeout) {
  const auto generation = set_flag(dsn, key, value);
  return acknowledged(dsn, service, instance, key, value, generation, timeout);
}

}  // namespace schemashift::testing
