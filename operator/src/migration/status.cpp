#include "migration/status.h"

namespace schemashift::migration {

using nlohmann::json;

const Condition* MigrationStatus::condition(const std::string& type) const {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

void set_condition(std::vector<Condition>& conditions, const std::string& type,
                   const std::string& status, const std::string& reason, const std::string& message,
                   std::int64_t generation, const std::string& now) {
  for (auto& c : conditions) {
    if (c.type != type) continue;
    if (c.status != status) c.last_transition_time = now;
    c.status = status;
    c.reason = reason;
    c.message = message;
    c.observed_generation = generation;
    return;
  }
  conditions.push_back({type, status, reason, message, generation, now});
}

json MigrationStatus::to_json() const {
  json j = {{"phase", to_string(phase)},
            {"observedGeneration", observed_generation},
            {"planHash", plan_hash},
            {"steps",
             {{"expandDone", expand_done},
              {"contractDone", contract_done},
              {"rollbackDone", rollback_done}}},
            {"verified", verified}};
  if (flag_mode) j["flags"]["mode"] = to_string(*flag_mode);
  if (acked_mode) j["flags"]["acknowledged"] = to_string(*acked_mode);
  if (!dual_write_trigger.empty()) j["dualWriteTrigger"] = dual_write_trigger;
  if (!rollback_reason.empty()) j["rollbackReason"] = rollback_reason;
  if (!verify_failure.empty()) j["verifyFailure"] = verify_failure;
  if (!last_error.empty())
    j["lastError"] = {{"message", last_error}, {"retriable", last_error_retriable}};
  std::string progress;
  if (backfill.rows_estimated > 0) {
    const double pct = 100.0 * static_cast<double>(backfill.rows_done) /
                       static_cast<double>(backfill.rows_estimated);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f%%", backfill.complete ? 100.0 : std::min(pct, 99.0));
    progress = buf;
  }
  j["backfill"] = {{"rowsDone", backfill.rows_done},
                   {"rowsEstimated", backfill.rows_estimated},
                   {"lastKey", backfill.last_key},
                   {"batchSize", backfill.batch_size},
                   {"rowsPerSecond", backfill.rows_per_second},
                   {"complete", backfill.complete},
                   {"progress", progress}};
  j["conditions"] = json::array();
  for (const auto& c : conditions) {
    j["conditions"].push_back({{"type", c.type},
                               {"status", c.status},
                               {"reason", c.reason},
                               {"message", c.message},
                               {"observedGeneration", c.observed_generation},
                               {"lastTransitionTime", c.last_transition_time}});
  }
  j["gates"] = json::array();
  for (const auto& g : gates) j["gates"].push_back(g.to_json());
  j["history"] = json::array();
  for (const auto& h : history)
    j["history"].push_back({{"phase", to_string(h.phase)}, {"at", h.at}, {"reason", h.reason}});
  return j;
}

MigrationStatus MigrationStatus::from_json(const json& s) {
  MigrationStatus st;
  if (!s.is_object()) return st;
  st.phase = phase_from_string(s.value("phase", "Pending")).value_or(Phase::kPending);
  st.observed_generation = s.value("observedGeneration", std::int64_t{0});
  st.plan_hash = s.value("planHash", "");
  st.expand_done = s.value("/steps/expandDone"_json_pointer, 0);
  st.contract_done = s.value("/steps/contractDone"_json_pointer, 0);
  st.rollback_done = s.value("/steps/rollbackDone"_json_pointer, 0);
  st.verified = s.value("verified", false);
  st.dual_write_trigger = s.value("dualWriteTrigger", "");
  st.rollback_reason = s.value("rollbackReason", "");
  st.verify_failure = s.value("verifyFailure", "");
  st.last_error = s.value("/lastError/message"_json_pointer, std::string());
  st.last_error_retriable = s.value("/lastError/retriable"_json_pointer, true);
  if (auto m = s.value("/flags/mode"_json_pointer, std::string()); !m.empty())
    st.flag_mode = flag_mode_from_string(m);
  if (auto m = s.value("/flags/acknowledged"_json_pointer, std::string()); !m.empty()) {
    st.acked_mode = flag_mode_from_string(m);
  }
  if (auto b = s.find("backfill"); b != s.end() && b->is_object()) {
    st.backfill.rows_done = b->value("rowsDone", std::int64_t{0});
    st.backfill.rows_estimated = b->value("rowsEstimated", std::int64_t{0});
    st.backfill.last_key = b->value("lastKey", "");
    st.backfill.batch_size = b->value("batchSize", 0);
    st.backfill.rows_per_second = b->value("rowsPerSecond", 0.0);
    st.backfill.complete = b->value("complete", false);
  }
  if (auto cs = s.find("conditions"); cs != s.end() && cs->is_array()) {
    for (const auto& c : *cs) {
      st.conditions.push_back({c.value("type", ""), c.value("status", "Unknown"),
                               c.value("reason", ""), c.value("message", ""),
                               c.value("observedGeneration", std::int64_t{0}),
                               c.value("lastTransitionTime", "")});
    }
  }
  if (auto gs = s.find("gates"); gs != s.end() && gs->is_array()) {
    for (const auto& g : *gs) st.gates.push_back(gates::GateState::from_json(g));
  }
  if (auto hs = s.find("history"); hs != s.end() && hs->is_array()) {
    for (const auto& h : *hs) {
      st.history.push_back(
          {phase_from_string(h.value("phase", "Pending")).value_or(Phase::kPending),
           h.value("at", ""), h.value("reason", "")});
    }
  }
  return st;
}

}  // namespace schemashift::migration
