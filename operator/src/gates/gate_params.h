// Gate parameters: spec.gates[] read into GateSpecs, with each provider's settings checked
// (field-path errors), so a gate that cannot measure is refused before the migration starts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gates/gate.h"

namespace schemashift::gates {

// Parses spec.gates[] (field-path errors appended to `errors`).
std::vector<GateSpec> parse_gates(const nlohmann::json& gates, std::vector<std::string>& errors);

}  // namespace schemashift::gates
