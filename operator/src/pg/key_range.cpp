#include "pg/key_range.h"

#include <stdexcept>

#include "pg/tables.h"

namespace schemashift::pg {

Key Key::load(pqxx::transaction_base& tx, const std::string& quoted_table,
              const std::vector<std::string>& columns) {
  if (columns.empty()) throw std::runtime_error("no key column given");
  Key k;
  for (const auto& c : columns) {
    auto r = tx.exec_params(
        "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull "
        "FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) "
        "pg_catalog.to_regclass($1::pg_catalog.text) AND a.attname OPERATOR(pg_catalog.=) "
        "$2::pg_catalog.name AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped",
        quoted_table, c);
    if (r.empty())
      throw std::runtime_error("key column " + display_identifier(c) + " does not exist in " +
                               quoted_table);
    if (!r[0][1].as<bool>()) {
      throw std::runtime_error("key column " + display_identifier(c) + " of " + quoted_table +
                               " may be NULL; rows with a NULL key would never be reached: use a "
                               "primary key or NOT NULL unique columns");
    }
    k.columns_.push_back(c);
    k.types_.push_back(r[0][0].as<std::string>());
  }
  return k;
}

std::string Key::tuple() const {
  if (columns_.size() == 1) return quote_identifier(columns_[0]);
  return "(" + order() + ")";
}

std::string Key::order(bool descending) const {
  std::string out;
  for (const auto& c : columns_)
    out += (out.empty() ? "" : ", ") + quote_identifier(c) + (descending ? " DESC" : "");
  return out;
}

std::string Key::as_text() const {
  // Named apart from the columns: an ORDER BY "id" next to an output column called "id" (the
  // text) would sort the text, and "9999" > "10000".
  std::string out;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    out += (i ? ", " : "") + quote_identifier(columns_[i]) +
           "::pg_catalog.text AS \"schemashift key " + std::to_string(i) + "\"";
  }
  return out;
}

std::string Key::bind(const KeyValue& value, std::vector<std::string>& params) const {
  if (value.size() != columns_.size())
    throw std::runtime_error("a key value of " + std::to_string(value.size()) +
                             " parts for a key of " + std::to_string(columns_.size()) + " columns");
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    params.push_back(value[i]);
    out += (i ? ", " : "") + ("$" + std::to_string(params.size()) + "::" + types_[i]);
  }
  return columns_.size() == 1 ? out : "(" + out + ")";
}

std::string Key::range(const std::optional<KeyValue>& after, const KeyValue& upto,
                       std::vector<std::string>& params) const {
  // Operators named in pg_catalog: nothing planted on the search_path can stand in for them.
  std::string out = after ? tuple() + " OPERATOR(pg_catalog.>) " + bind(*after, params) : "true";
  return out + " AND " + tuple() + " OPERATOR(pg_catalog.<=) " + bind(upto, params);
}

std::string Key::name() const {
  if (columns_.size() == 1) return display_identifier(columns_[0]);
  std::string out;
  for (const auto& c : columns_) out += (out.empty() ? "" : ", ") + display_identifier(c);
  return "(" + out + ")";
}

KeyValue key_of(const pqxx::row& row, std::size_t n, std::size_t first) {
  KeyValue v;
  for (std::size_t i = first; i < first + n; ++i)
    v.push_back(row[static_cast<pqxx::row::size_type>(i)].as<std::string>());
  return v;
}

std::string describe(const KeyValue& v) {
  if (v.size() == 1) return v[0];
  std::string out;
  for (const auto& p : v) out += (out.empty() ? "" : ", ") + p;
  return "(" + out + ")";
}

nlohmann::json to_json(const std::optional<KeyValue>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::optional<KeyValue> key_from_json(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  if (j.is_number_integer()) return KeyValue{std::to_string(j.get<std::int64_t>())};
  if (j.is_array()) return j.get<KeyValue>();
  if (j.is_string()) return KeyValue{j.get<std::string>()};
  return std::nullopt;
}

}  // namespace schemashift::pg
