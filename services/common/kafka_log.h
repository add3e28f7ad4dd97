// librdkafka's own log lines and error events, routed into the service's structured log
// (spdlog, one JSON object per line) instead of librdkafka's plain text on stderr.
#pragma once

namespace RdKafka {
class Conf;
}  // namespace RdKafka

namespace schemashift::svc {

// Sets `conf`'s event callback to the shared sink; throws std::runtime_error if refused.
void route_kafka_logs(RdKafka::Conf& conf);

}  // namespace schemashift::svc
