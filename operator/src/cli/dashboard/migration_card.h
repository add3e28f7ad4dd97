// MigrationCard: one SchemaMigration as the web dashboard shows it, as JSON for the page — the
// row of the list (phase, progress, gates, targets) and the detail (the five-stage timeline,
// progress and rate, gates with their last values, conditions, history, its Events). The
// steps come from the plugin's own reading of a migration (cli/migration_view), so the page
// and `kubectl schemashift get` never disagree. Pure: unit-tested.
#pragma once

#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::cli::dashboard {

// `events` are the migration's Events (events.k8s.io/v1), in any order; the card keeps the
// newest `max_events`, oldest first.
nlohmann::json migration_card(const nlohmann::json& migration, const nlohmann::json& events,
                              std::chrono::system_clock::time_point now,
                              std::size_t max_events = 50);

// The timeline's stages — plan, validate (expand), migrate (flags and backfill), verify,
// contract — each "done", "running", "waiting", "pending", "failed" or "skipped", from the
// steps of the migration.
nlohmann::json migration_timeline(const nlohmann::json& migration);

// Over the cards: total, passedValidation (expand done), applied (Completed), rolledBack,
// failed, and lastDurationSeconds (created to Completed, of the latest to complete; null when
// none has).
nlohmann::json board_counters(const std::vector<nlohmann::json>& migrations);

}  // namespace schemashift::cli::dashboard
