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

const TargetState* MigrationStatus::target(const std::string& service) const {
  for (const auto& t : targets)
    if (t.service == service) return &t;
  return nullptr;
}

TargetState& MigrationStatus::target_entry(const std::string& service) {
  for (auto& t : targets)
    if (t.service == service) return t;
  targets.push_back({service});
  return targets.back();
}

std::optional<FlagMode> MigrationStatus::target_mode(const std::string& service) const {
  const TargetState* t = target(service);
  return t && t->mode ? t->mode : flag_mode;
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
  if (!targets.empty()) {
    j["targets"] = json::array();
    for (const auto& t : targets) {
      json one = {{"service", t.service}};
      if (t.mode) one["mode"] = to_string(*t.mode);
      if (t.acknowledged) one["acknowledged"] = to_string(*t.acknowledged);
      if (!t.detail.empty()) one["barrier"] = t.detail;
      j["targets"].push_back(std::move(one));
    }
  }
  if (api) {
    json clients = json::array();
    for (const auto& c : api->clients)
      clients.push_back(
          {{"client", c.client}, {"requests", c.requests}, {"lastSeen", c.last_seen}});
    j["api"] = {{"oldVersion", api->old_version}, {"clients", clients}};
    if (!api->silent_since.empty()) j["api"]["silentSince"] = api->silent_since;
  }
  if (events) {
    j["events"] = {{"subject", events->subject}, {"compatibility", events->compatibility}};
    if (events->schema_id) j["events"]["schemaId"] = events->schema_id;
    if (events->contract_schema_id) j["events"]["contractSchemaId"] = events->contract_schema_id;
    if (!events->contract_refused.empty()) {
      j["events"]["contractRefused"] = events->contract_refused;
      j["events"]["contractRefusedGeneration"] = events->contract_refused_generation;
      j["events"]["contractRefusedAt"] = events->contract_refused_at;
    }
  }
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
  if (auto ts = s.find("targets"); ts != s.end() && ts->is_array()) {
    for (const auto& t : *ts) {
      TargetState one{t.value("service", "")};
      if (auto m = t.value("mode", std::string()); !m.empty()) one.mode = flag_mode_from_string(m);
      if (auto m = t.value("acknowledged", std::string()); !m.empty())
        one.acknowledged = flag_mode_from_string(m);
      one.detail = t.value("barrier", "");
      st.targets.push_back(std::move(one));
    }
  }
  if (auto a = s.find("api"); a != s.end() && a->is_object()) {
    ApiStatus api{a->value("oldVersion", "")};
    if (auto cs = a->find("clients"); cs != a->end() && cs->is_array()) {
      for (const auto& c : *cs)
        api.clients.push_back(
            {c.value("client", ""), c.value("requests", std::int64_t{0}), c.value("lastSeen", "")});
    }
    api.silent_since = a->value("silentSince", "");
    st.api = std::move(api);
  }
  if (auto e = s.find("events"); e != s.end() && e->is_object()) {
    EventsStatus ev{e->value("subject", ""), e->value("compatibility", "")};
    ev.schema_id = e->value("schemaId", std::int32_t{0});
    ev.contract_schema_id = e->value("contractSchemaId", std::int32_t{0});
    ev.contract_refused = e->value("contractRefused", "");
    ev.contract_refused_generation = e->value("contractRefusedGeneration", std::int64_t{0});
    ev.contract_refused_at = e->value("contractRefusedAt", "");
    st.events = std::move(ev);
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
