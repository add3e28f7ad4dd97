// The kafkaConsumerLag provider: how far a consumer group is behind on a topic, read from the
// broker with librdkafka: for every partition, the high watermark minus the group's committed
// offset (a partition the group never committed counts from its low watermark). An unknown
// topic is no data; a broker that does not answer is an error.
#pragma once

#include "gates/gate.h"

namespace schemashift::gates {

// params: bootstrap, group, topic.
Measurement measure_kafka_lag(const nlohmann::json& params);

}  // namespace schemashift::gates
