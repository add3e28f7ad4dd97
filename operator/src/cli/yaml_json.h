// YAML manifests as the JSON the API server would store: plain scalars that read as booleans,
// integers or decimals become those types (as kubectl's YAML reader makes them), quoted
// scalars stay strings, `~`/`null`/empty become null. Multi-document input gives one value per
// document; empty documents are skipped.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace schemashift::cli {

// The text of the file at `path`, or of `in` when `path` is "-"; the error names the file.
Result<std::string, std::string> read_manifest_text(const std::string& path, std::istream& in);

// The documents of `yaml_text`; fails with the parser's message (line and column) on bad YAML.
Result<std::vector<nlohmann::json>, std::string> yaml_documents(const std::string& yaml_text);

}  // namespace schemashift::cli
