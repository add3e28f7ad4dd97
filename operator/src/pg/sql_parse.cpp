#include "pg/sql_parse.h"

#include <pg_query.h>

#include <algorithm>

namespace schemashift::pg {

Result<std::vector<Statement>, ParseError> parse_sql(const std::string& sql) {
  if (sql.find('\0') != std::string::npos) {
    return fail(ParseError{"holds a NUL byte", static_cast<int>(sql.find('\0'))});
  }
  PgQueryParseResult r = pg_query_parse(sql.c_str());
  if (r.error) {
    ParseError e{r.error->message ? r.error->message : "syntax error",
                 r.error->cursorpos > 0 ? r.error->cursorpos - 1 : -1};
    pg_query_free_parse_result(r);
    return fail(std::move(e));
  }
  nlohmann::json tree = nlohmann::json::parse(r.parse_tree, nullptr, false);
  pg_query_free_parse_result(r);
  if (tree.is_discarded()) return fail(ParseError{"the parser's output could not be read", -1});
  std::vector<Statement> out;
  for (const auto& s : tree.value("stmts", nlohmann::json::array())) {
    if (!s.contains("stmt") || !s["stmt"].is_object() || s["stmt"].empty()) continue;
    // The statement starts after the whitespace that follows the previous one's ';'.
    const int at = s.value("stmt_location", 0);
    const auto first = sql.find_first_not_of(" \t\r\n", static_cast<std::size_t>(at));
    const int start = first == std::string::npos ? at : static_cast<int>(first);
    const int len = s.value("stmt_len", 0);
    out.push_back({s["stmt"], start, len == 0 ? 0 : std::max(0, len - (start - at))});
  }
  return out;
}

void visit(const nlohmann::json& tree,
           const std::function<void(const std::string& key, const nlohmann::json& node)>& fn) {
  if (tree.is_array()) {
    for (const auto& v : tree) visit(v, fn);
    return;
  }
  if (!tree.is_object()) return;
  for (auto it = tree.begin(); it != tree.end(); ++it) {
    if (it.value().is_object()) fn(it.key(), it.value());
    if (it.value().is_array()) {
      for (const auto& v : it.value()) {
        if (v.is_object()) fn(it.key(), v);
      }
    }
    visit(it.value(), fn);
  }
}

int line_at(const std::string& sql, int location) {
  const auto end = sql.begin() + std::clamp(location, 0, static_cast<int>(sql.size()));
  return 1 + static_cast<int>(std::count(sql.begin(), end, '\n'));
}

std::vector<std::string> name_parts(const nlohmann::json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& n : list) {
    if (n.contains("String")) out.push_back(n["String"].value("sval", ""));
  }
  return out;
}

}  // namespace schemashift::pg
