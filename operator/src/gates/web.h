// The web provider: GET an HTTP endpoint that answers JSON, read the number at a path
// ("errorRatio", "slo.errors.ratio"), and judge it against the gate's limit. A non-2xx answer
// or a value that is not a number is an error; a missing path is no data.
#pragma once

#include "gates/gate.h"

namespace schemashift::gates {

Measurement measure_web(const nlohmann::json& params);

}  // namespace schemashift::gates
