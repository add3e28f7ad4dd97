// What a user is promised of a safe rollout, checked on its result (and of the fault run:
// rolled back, nothing lost). A naive run is measured and reported, never judged.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::scenarios {

// The broken promises of a safe run ({} when it kept them all).
std::vector<std::string> safe_run_problems(const nlohmann::json& run);
std::vector<std::string> fault_run_problems(const nlohmann::json& run);

}  // namespace schemashift::scenarios
