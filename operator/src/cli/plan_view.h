// `kubectl schemashift plan FILE`: what the operator would do with a manifest, before anyone
// applies it: the spec read as the operator reads it (a bad field is named with its path), every
// step in the order the phases run it, the flags and barriers, the backfill, the checks, the
// approval, the rollback and the gates, and the lint findings on every SQL step (errors refuse
// the plan; warnings are said). No cluster or database is needed, so tables count as large
// (the operator, at plan, knows their sizes and may let a step on a small table pass).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/migration_view.h"
#include "pg/lint.h"

namespace schemashift::cli {

struct PlanReport {
  std::string text;
  bool refused = false;  // invalid spec, or a lint error: the operator would stop at Planned
};

// Who reads the plan: the tables' sizes when a database was asked (absent: every table counts
// as large), and the command that approves contract.
struct PlanContext {
  const pg::TableSizes* sizes = nullptr;
  std::string approve_command{};  // default: "kubectl schemashift approve NAME"
};

// One SchemaMigration object (as parsed from YAML).
PlanReport render_plan(const nlohmann::json& migration, const ViewStyle& style,
                       const PlanContext& context = {});

}  // namespace schemashift::cli
