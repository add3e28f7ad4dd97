#include "kafka_log.h"

#include <stdexcept>
#include <string>

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

namespace schemashift::svc {

namespace {
class Sink : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& e) override {
    switch (e.type()) {
      case RdKafka::Event::EVENT_ERROR:
        spdlog::warn("kafka {}: {}", RdKafka::err2str(e.err()), e.str());
        break;
      case RdKafka::Event::EVENT_LOG:
        // syslog levels: 0..3 error, 4 warning, 5..6 info, 7 debug.
        if (e.severity() <= RdKafka::Event::EVENT_SEVERITY_ERROR) {
          spdlog::error("kafka {}: {}", e.fac(), e.str());
        } else if (e.severity() == RdKafka::Event::EVENT_SEVERITY_WARNING) {
          spdlog::warn("kafka {}: {}", e.fac(), e.str());
        } else {
          spdlog::debug("kafka {}: {}", e.fac(), e.str());
        }
        break;
      default:
        break;
    }
  }
};
}  // namespace

void route_kafka_logs(RdKafka::Conf& conf) {
  static Sink sink;  // outlives every handle
  std::string err;
  if (conf.set("event_cb", static_cast<RdKafka::EventCb*>(&sink), err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka event callback: " + err);
}

}  // namespace schemashift::svc
