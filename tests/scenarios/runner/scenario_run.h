// One run of one scenario on a shop of its own (tests/e2e/services_shop.h: scratch databases,
// the three charts on the real node, a topic of its own): seed, start the load, ship the change
// — the safe migration through the real operator, or the naive change as the scenario's files
// say — wait for it to end, stop the load and judge the ledger against the databases and the
// topic. Returns the run's part of result.json (plan-12 / docs/results.md).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "scenarios/runner/scenario_catalog.h"

namespace schemashift::scenarios {

enum class RunKind { kSafe, kNaive, kFault };
const char* to_string(RunKind k);

struct RunOptions {
  std::string size = "small";  // "small" or "full" (docs/scenarios.md's 1M orders, 200k customers)
  std::string out_dir;         // build/scenarios/NN
  std::string source_dir;      // the checkout (scenarios/, charts/)
  std::string build_dir;       // for the naive image of scenario 6
};

struct Seed {
  std::int64_t customers = 0, orders = 0;
};
Seed seed_for(const std::string& size);

nlohmann::json run_scenario(const Scenario& s, RunKind kind, const RunOptions& o);

}  // namespace schemashift::scenarios
