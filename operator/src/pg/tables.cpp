#include "pg/tables.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace schemashift::pg {

namespace {

bool ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool ident_char(unsigned char c) { return ident_start(c) || std::isdigit(c) || c == '$'; }

// Reads one identifier at `pos`; advances `pos` past it.
Result<std::string, std::string> read_identifier(const std::string& s, std::size_t& pos) {
  std::string out;
  if (pos < s.size() && s[pos] == '"') {
    for (++pos;; ++pos) {
      if (pos >= s.size()) return fail(std::string("has an unterminated quoted name"));
      if (s[pos] == '"') {
        if (pos + 1 < s.size() && s[pos + 1] == '"') {
          out.push_back('"');
          ++pos;
          continue;
        }
        ++pos;
        break;
      }
      out.push_back(s[pos]);
    }
    if (out.empty()) return fail(std::string("has an empty quoted name"));
  } else {
    if (pos >= s.size() || !ident_start(static_cast<unsigned char>(s[pos])))
      return fail(std::string("must be a SQL name (quote it with \"...\" if it is not plain)"));
    while (pos < s.size() && ident_char(static_cast<unsigned char>(s[pos]))) {
      const char c = s[pos++];
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  if (out.size() > kMaxIdentifierBytes) {
    return fail("has a name of " + std::to_string(out.size()) +
                " bytes; PostgreSQL names are at most 63 bytes");
  }
  return out;
}

bool plain(const std::string& name) {
  if (name.empty() || !(std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '_';
  });
}

TableName from_range_var(const nlohmann::json& rv) {
  return {rv.value("schemaname", ""), rv.value("relname", "")};
}

}  // namespace

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string display_identifier(const std::string& name) {
  return plain(name) ? name : quote_identifier(name);
}

std::string TableName::quoted() const {
  return (schema.empty() ? "" : quote_identifier(schema) + ".") + quote_identifier(name);
}

std::string TableName::display() const {
  return (schema.empty() ? "" : display_identifier(schema) + ".") + display_identifier(name);
}

Result<TableName, std::string> parse_table_name(const std::string& text) {
  if (text.find('\0') != std::string::npos) return fail(std::string("holds a NUL byte"));
  std::size_t pos = 0;
  auto first = read_identifier(text, pos);
  if (!first) return fail(first.error());
  TableName out{"", *first};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    auto second = read_identifier(text, pos);
    if (!second) return fail(second.error());
    out = {*first, *second};
  }
  if (pos != text.size()) {
    return fail(std::string(
        "must be a table name or schema.table as SQL writes it (quote names that are not "
        "plain with \"...\"), nothing else"));
  }
  return out;
}

Result<std::string, std::string> parse_column_name(const std::string& text) {
  if (text.find('\0') != std::string::npos) return fail(std::string("holds a NUL byte"));
  std::size_t pos = 0;
  auto name = read_identifier(text, pos);
  if (!name) return fail(name.error());
  if (pos != text.size()) {
    return fail(std::string(
        "must be one column name as SQL writes it (quote it with \"...\" if it is not plain)"));
  }
  return *name;
}

std::vector<TableName> tables_in(const Statement& statement) {
  std::set<std::string> ctes;
  std::set<TableName> out;
  visit(statement.node, [&](const std::string& key, const nlohmann::json& n) {
    if (key == "CommonTableExpr") ctes.insert(n.value("ctename", ""));
  });
  visit(statement.node, [&](const std::string& key, const nlohmann::json& n) {
    if ((key == "RangeVar" || n.contains("relname")) && n.contains("relname")) {
      auto t = from_range_var(n);
      if (!t.name.empty() && !(t.schema.empty() && ctes.count(t.name))) out.insert(t);
    }
  });
  // DROP TABLE names its tables as lists of strings, not as RangeVars.
  if (statement.type() == "DropStmt") {
    const auto& b = statement.body();
    const std::string kind = b.value("removeType", "");
    if (kind == "OBJECT_TABLE" || kind == "OBJECT_MATVIEW" || kind == "OBJECT_VIEW" ||
        kind == "OBJECT_FOREIGN_TABLE") {
      for (const auto& o : b.value("objects", nlohmann::json::array())) {
        auto parts = name_parts(o.contains("List") ? o["List"].value("items", nlohmann::json())
                                                   : nlohmann::json());
        if (parts.size() == 1) out.insert({"", parts[0]});
        if (parts.size() >= 2) out.insert({parts[parts.size() - 2], parts.back()});
      }
    }
  }
  return {out.begin(), out.end()};
}

std::vector<TableName> tables_in(const std::string& sql) {
  std::set<TableName> out;
  auto parsed = parse_sql(sql);
  if (!parsed) return {};
  for (const auto& s : *parsed) {
    for (auto& t : tables_in(s)) out.insert(std::move(t));
  }
  return {out.begin(), out.end()};
}

}  // namespace schemashift::pg
