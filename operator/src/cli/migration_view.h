// MigrationView: how a SchemaMigration reads in a terminal — the tree of `kubectl schemashift
// get` (phase, each step with its state, the backfill bar with rate and ETA, gates,
// conditions, recent Events), the table of `list` and the transitions of `history`. Pure: it
// turns the API objects (as JSON) into text, so every rendering is unit-tested.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::cli {

struct ViewStyle {
  bool color = false;   // ANSI colours (only on a terminal)
  bool unicode = true;  // symbols and box drawing; ASCII otherwise
  int bar_width = 24;   // cells of the backfill bar
  std::size_t max_events = 8;
};

// `now` is the reference for ages ("3m") and the ETA; `events` is an events.k8s.io/v1 list
// (or an array of Events) about the migration, newest shown last.
std::string render_migration(const nlohmann::json& migration, const nlohmann::json& events,
                             const ViewStyle& style, std::chrono::system_clock::time_point now);

// The steps of `get`'s tree as data, for surfaces that draw them their own way (the web
// dashboard): state is "done", "running", "waiting", "pending", "failed" or "skipped"; detail
// is the tree's plain text (no colour, ASCII bar).
struct StepSummary {
  std::string state;
  std::string name;
  std::string detail;
};
std::vector<StepSummary> migration_steps(const nlohmann::json& migration);

// One line per migration: NAMESPACE (when all_namespaces) NAME PHASE PROGRESS GATES READY AGE.
std::string render_list(const nlohmann::json& list, bool all_namespaces, const ViewStyle& style,
                        std::chrono::system_clock::time_point now);

// The transitions in status.history, oldest first, with the time spent in each phase.
std::string render_history(const nlohmann::json& migration, const ViewStyle& style,
                           std::chrono::system_clock::time_point now);

// "4s", "3m12s", "2h5m", "3d": the way kubectl prints ages.
std::string human_duration(std::chrono::seconds d);

// 1234567 -> "1,234,567".
std::string with_thousands(std::int64_t n);

}  // namespace schemashift::cli
