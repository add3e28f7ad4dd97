// The flag protocol's operator side. Each service database holds a schemashift schema with
//   flags(key, value, generation)                  written by the operator
//   flag_acks(service, instance, key, value, generation, heartbeat_at)   written by each instance
// The operator writes a flag (bumping its generation) and sends NOTIFY schemashift_flags in
// the same transaction; instances apply it and acknowledge. The barrier holds when every live
// instance (fresh heartbeat) of the target services acknowledged that generation and value,
// and at least as many are live as the Deployments have ready replicas: then no instance is
// still running the previous mode.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace schemashift::flags {

inline constexpr const char* kChannel = "schemashift_flags";

// Creates the schemashift flag tables if missing (idempotent). The operator's side (`claim`)
// refuses a schema another role owns (pg::StateSchemaRefused); an instance, whose role is
// not the schema's owner, only creates what is missing.
void ensure_flag_schema(pqxx::connection& conn, bool claim = true);

// Sets `key` to `value`; returns its generation, new if the value changed (setting the value a
// flag already has leaves its generation, so instances are not asked to acknowledge again).
// NOTIFY is sent on commit. The transaction form lets the caller fence the write.
std::int64_t set_flag(pqxx::connection& conn, const std::string& key, const std::string& value);
std::int64_t set_flag(pqxx::transaction_base& tx, const std::string& key, const std::string& value);

struct BarrierState {
  bool held = false;
  int live = 0;                      // instances with a fresh heartbeat
  int acked = 0;                     // of those, acknowledged the generation and value
  int required = 0;                  // ready replicas the instances must cover
  std::vector<std::string> lagging;  // live instances not yet acknowledged, for messages
  std::string describe() const;      // "2 of 3 live instances acknowledged; 3 ready replicas"
};

// Evaluates the barrier for `key` at `generation` with `value` across `services`.
BarrierState barrier(pqxx::connection& conn, const std::string& key, std::int64_t generation,
                     const std::string& value, const std::vector<std::string>& services,
                     int ready_replicas,
                     std::chrono::milliseconds heartbeat_ttl = std::chrono::milliseconds(5000));

}  // namespace schemashift::flags
