// User SQL fragments the operator embeds in its own statements (backfill.set, pendingWhere,
// checksum old/new): each is parsed embedded as the operator embeds it, and refused unless the
// statement keeps exactly the expected shape, so a fragment cannot end the statement (';'),
// comment out the key range ('--'), add a FROM, a UNION or a RETURNING, or use the operator's
// own $n parameters. Calls a migration has no business making are refused in fragments and, by
// lint, in every statement (see kForbiddenCalls in fragment.cpp). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::pg {

// A SET list of an UPDATE ("amount = amount_cents / 100.0, touched = true") that assigns none of
// `key_columns`. Returns what is wrong, or nullopt.
std::optional<std::string> check_set_list(const std::string& set,
                                          const std::vector<std::string>& key_columns);
// One scalar expression ("amount IS NULL", "(amount * 100)::int").
std::optional<std::string> check_expression(const std::string& expr);

// The first forbidden call or statement in a parse tree: "calls pg_read_file, which ...".
std::optional<std::string> forbidden_in(const nlohmann::json& tree);

// A parse tree with every "location" removed, so two parses of the same shape compare equal.
nlohmann::json without_locations(nlohmann::json tree);

}  // namespace schemashift::pg
