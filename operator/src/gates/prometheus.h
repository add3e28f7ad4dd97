// The prometheus provider: an instant query (GET <address>/api/v1/query?query=...) to a
// Prometheus server. A scalar, or a vector's largest value, is the measurement (so "every
// service's error ratio under 1%" is one query); an empty vector is no data; NaN is no data
// (a ratio of two zero rates); an error answer is an error.
#pragma once

#include <string>

#include "gates/gate.h"

namespace schemashift::gates {

Measurement measure_prometheus(const nlohmann::json& params);

}  // namespace schemashift::gates
