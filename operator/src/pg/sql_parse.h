// SQL read by PostgreSQL's own parser (libpg_query, the PostgreSQL 15 grammar): statements as
// JSON parse trees with their positions, so rules look at what the server will execute rather
// than at text that comments, quoting or formatting can disguise. Pure.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace schemashift::pg {

struct ParseError {
  std::string message;
  int position = -1;  // byte offset into the text, -1 when the parser gave none
};

struct Statement {
  nlohmann::json node;  // {"AlterTableStmt": {...}}: the node type is the only key
  int location = 0;     // byte offset of the statement in the text
  int length = 0;       // bytes; 0 means "to the end"
  const std::string& type() const { return node.begin().key(); }
  const nlohmann::json& body() const { return node.begin().value(); }
};

// Every statement of `sql` (several when they are separated by ';'). A text holding a NUL
// byte is refused: the parser would stop reading at it.
Result<std::vector<Statement>, ParseError> parse_sql(const std::string& sql);

// Calls `fn` for every object in `tree`, depth first, with the key it sits under: the node type
// for nodes wrapped as {"FuncCall": {...}}, the field name for typed fields ("relation").
void visit(const nlohmann::json& tree,
           const std::function<void(const std::string& key, const nlohmann::json& node)>& fn);

// "line 3" for a byte offset into `sql` (1-based lines).
int line_at(const std::string& sql, int location);

// The name a list of String nodes spells ({"names": [{"String": {"sval": "pg_catalog"}}, ...]}),
// each part as the parser read it (folded when unquoted), joined with '.'.
std::vector<std::string> name_parts(const nlohmann::json& list);

}  // namespace schemashift::pg
