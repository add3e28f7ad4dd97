#include "pg/fragment.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "pg/sql_parse.h"

namespace schemashift::pg {

namespace {

using nlohmann::json;

// Functions no migration fragment or step needs, and that reach outside the table being
// migrated: the server's files and programs, other databases, session and server settings,
// other sessions, the operator's own fences, and sleeps that turn a batch into a long lock hold.
// Matched on the function's own name, whatever schema qualifies it.
constexpr std::array<const char*, 27> kForbiddenCalls = {"pg_read_file",
                                                         "pg_read_binary_file",
                                                         "pg_stat_file",
                                                         "set_config",
                                                         "pg_sleep",
                                                         "pg_sleep_for",
                                                         "pg_sleep_until",
                                                         "pg_terminate_backend",
                                                         "pg_cancel_backend",
                                                         "pg_reload_conf",
                                                         "pg_rotate_logfile",
                                                         "pg_promote",
                                                         "pg_notify",
                                                         "query_to_xml",
                                                         "query_to_xmlschema",
                                                         "query_to_xml_and_xmlschema",
                                                         "cursor_to_xml",
                                                         "cursor_to_xmlschema",
                                                         "pg_switch_wal",
                                                         "pg_create_restore_point",
                                                         "pg_logical_emit_message",
                                                         "pg_create_logical_replication_slot",
                                                         "pg_create_physical_replication_slot",
                                                         "pg_drop_replication_slot",
                                                         "pg_backup_start",
                                                         "pg_backup_stop",
                                                         "pg_import_system_collations"};
// Whole families: directory listings, large objects (lo_import, lo_export, ...), dblink,
// adminpack's file writers, advisory locks (the operator's fence is one).
constexpr std::array<const char*, 6> kForbiddenPrefixes = {
    "pg_ls_", "lo_", "dblink", "pg_file_", "pg_advisory", "pg_try_advisory"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::optional<std::string> forbidden_function(const std::string& name) {
  const std::string n = lower(name);
  for (const char* f : kForbiddenCalls) {
    if (n == f) return n;
  }
  for (const char* p : kForbiddenPrefixes) {
    if (n.rfind(p, 0) == 0) return n;
  }
  return std::nullopt;
}

// Parses `sql` and returns its only statement's body when it is of `type`.
std::optional<json> only_statement(const std::string& sql, const std::string& type,
                                   std::string& why) {
  auto parsed = parse_sql(sql);
  if (!parsed) {
    why = "does not parse: " + parsed.error().message;
    return std::nullopt;
  }
  if (parsed->size() != 1 || (*parsed)[0].type() != type) {
    why = "must not end the statement or start another one";
    return std::nullopt;
  }
  return without_locations((*parsed)[0].body());
}

bool only_keys(const json& body, std::initializer_list<const char*> allowed) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; }))
      return false;
  }
  return true;
}

std::optional<std::string> uses_parameters(const json& tree) {
  bool found = false;
  visit(tree, [&](const std::string& key, const json&) { found |= key == "ParamRef"; });
  if (found) return "must not use $n parameters (the operator binds its own)";
  return std::nullopt;
}

const char* kShapeChanged =
    "changes the shape of the statement it is embedded in (a comment, a parenthesis or a clause "
    "that reaches outside the fragment); write one self-contained fragment";

}  // namespace

json without_locations(json tree) {
  if (tree.is_object()) {
    tree.erase("location");
    for (auto& [k, v] : tree.items()) v = without_locations(std::move(v));
  } else if (tree.is_array()) {
    for (auto& v : tree) v = without_locations(std::move(v));
  }
  return tree;
}

std::optional<std::string> forbidden_in(const json& tree) {
  std::optional<std::string> out;
  visit(tree, [&](const std::string& key, const json& n) {
    if (out) return;
    if (key == "FuncCall") {
      auto parts = name_parts(n.value("funcname", json::array()));
      if (!parts.empty()) {
        if (auto f = forbidden_function(parts.back())) {
          out = "calls " + *f +
                ", which a migration has no business calling (server files and programs, other "
                "databases, settings, other sessions, advisory locks, sleeps are refused)";
        }
      }
    } else if (key == "CopyStmt") {
      if (n.value("is_program", false)) {
        out = "runs COPY ... PROGRAM, a program on the database server; not in a migration";
      } else if (n.contains("filename")) {
        out = "runs COPY with a file on the database server; not in a migration";
      }
    } else if (key == "AlterSystemStmt") {
      out = "runs ALTER SYSTEM, which changes the whole server's configuration";
    }
  });
  return out;
}

std::optional<std::string> check_set_list(const std::string& set,
                                          const std::vector<std::string>& key_columns) {
  if (set.find_first_not_of(" \t\r\n") == std::string::npos) return "must not be empty";
  const std::string where = "WHERE k > $1 AND k <= $2";
  std::string why;
  auto reference = only_statement("UPDATE t SET x = 1 " + where, "UpdateStmt", why);
  // Embedded on one line (a trailing "--" would swallow the key range) and on lines of its own
  // (as the backfill runs it): both must keep exactly the reference's shape.
  std::optional<json> body;
  for (const std::string& sql :
       {"UPDATE t SET " + set + " " + where, "UPDATE t SET\n" + set + "\n" + where}) {
    body = only_statement(sql, "UpdateStmt", why);
    if (!body) return why;
    if (!only_keys(*body, {"relation", "targetList", "whereClause"}) ||
        (*body)["relation"] != (*reference)["relation"] ||
        (*body)["whereClause"] != (*reference)["whereClause"])
      return std::string(kShapeChanged);
  }
  const json& targets = (*body)["targetList"];
  if (auto p = uses_parameters(targets)) return p;
  if (auto f = forbidden_in(targets)) return f;
  for (const auto& t : targets) {
    const std::string col = t["ResTarget"].value("name", "");
    if (std::find(key_columns.begin(), key_columns.end(), col) != key_columns.end())
      return "must not assign the key column " + col + ": the backfill walks the table by it";
  }
  return std::nullopt;
}

std::optional<std::string> check_expression(const std::string& expr) {
  if (expr.find_first_not_of(" \t\r\n") == std::string::npos) return "must not be empty";
  // Between two ANDs, as pendingWhere follows the key range: an unbalanced "x) OR (true" would
  // turn the whole condition into an OR (every row of the table) and is refused here.
  std::string why;
  auto reference = only_statement("SELECT 1 FROM t WHERE k1 AND (x) AND k2", "SelectStmt", why);
  const json& ref_args = (*reference)["whereClause"]["BoolExpr"]["args"];
  std::optional<json> body;
  for (const std::string& sql : {"SELECT 1 FROM t WHERE k1 AND (" + expr + ") AND k2",
                                 "SELECT 1 FROM t WHERE k1 AND (\n" + expr + "\n) AND k2"}) {
    body = only_statement(sql, "SelectStmt", why);
    if (!body) return why;
    const json& where = (*body)["whereClause"];
    const json& args =
        where.contains("BoolExpr") ? where["BoolExpr"].value("args", json::array()) : json::array();
    if (!only_keys(*body, {"targetList", "fromClause", "whereClause", "limitOption", "op"}) ||
        (*body)["fromClause"] != (*reference)["fromClause"] ||
        (*body)["targetList"] != (*reference)["targetList"] || args.size() != 3 ||
        where["BoolExpr"].value("boolop", "") != "AND_EXPR" || args[0] != ref_args[0] ||
        args[2] != ref_args[2])
      return std::string(kShapeChanged) + "; it must be one expression";
  }
  const json& value = (*body)["whereClause"]["BoolExpr"]["args"][1];
  if (auto p = uses_parameters(value)) return p;
  if (auto f = forbidden_in(value)) return f;
  return std::nullopt;
}

}  // namespace schemashift::pg
