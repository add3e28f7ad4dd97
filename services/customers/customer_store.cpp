#include "customer_store.h"

#include <pqxx/pqxx>

#include "customer_schema.h"
#include "language.h"

namespace schemashift::customers {

namespace {
using svc::reads_new;
using svc::writes_new;
using svc::writes_old;

// Positional parameters for a statement built from the modes; nullopt is SQL NULL.
class Params {
 public:
  std::string add(std::optional<std::string> v) {
    values_.push_back(std::move(v));
    return "$" + std::to_string(values_.size());
  }
  pqxx::result exec(pqxx::transaction_base& tx, const std::string& sql) const {
    std::vector<const char*> raw;
    for (const auto& v : values_) raw.push_back(v ? v->c_str() : nullptr);
    return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(raw));
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

std::string select_sql(const Modes& m) {
  std::string sql = "SELECT c.id, ";
  sql += reads_new(m.given_name) ? "c.given_name" : "c.first_name";
  sql += ", c.last_name, c.email, ";
  sql += reads_new(m.addresses) ? "a.street, a.city, a.postal_code, a.country"
                                : "c.street, c.city, c.postal_code, c.country";
  sql += reads_new(m.preferred_language) ? ", c.preferred_language" : ", NULL::text";
  sql += " FROM customers c";
  if (reads_new(m.addresses)) sql += " LEFT JOIN addresses a ON a.customer_id = c.id";
  return sql;
}

std::optional<std::string> opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

Customer from_row(const pqxx::row& r) {
  Customer c;
  c.id = r[0].as<std::int64_t>();
  c.given_name = r[1].is_null() ? std::string() : r[1].as<std::string>();
  c.family_name = r[2].as<std::string>();
  c.email = r[3].as<std::string>();
  c.address = {opt(r[4]), opt(r[5]), opt(r[6]), opt(r[7])};
  c.preferred_language = opt(r[8]);
  return c;
}

std::optional<Customer> read_one(pqxx::transaction_base& tx, const Modes& m, std::int64_t id) {
  auto rows = tx.exec_params(select_sql(m) + " WHERE c.id = $1", id);
  if (rows.empty()) return std::nullopt;
  return from_row(rows[0]);
}

// addresses(customer_id, ...) set to `a` (update, else insert: no unique index is assumed).
void write_address_row(pqxx::transaction_base& tx, std::int64_t id, const Address& a) {
  Params p;
  const std::string set = "street = " + p.add(a.street) + ", city = " + p.add(a.city) +
                          ", postal_code = " + p.add(a.postal_code) +
                          ", country = " + p.add(a.country);
  const std::string idp = p.add(std::to_string(id));
  if (p.exec(tx, "UPDATE addresses SET " + set + " WHERE customer_id = " + idp).affected_rows())
    return;
  Params q;
  q.exec(tx, "INSERT INTO addresses (customer_id, street, city, postal_code, country) VALUES (" +
                 q.add(std::to_string(id)) + ", " + q.add(a.street) + ", " + q.add(a.city) + ", " +
                 q.add(a.postal_code) + ", " + q.add(a.country) + ")");
}

// The column = value pairs of a write in these modes (without preferred_language).
std::vector<std::pair<std::string, std::string>> written_columns(const Modes& m, const Customer& c,
                                                                 Params& p) {
  std::vector<std::pair<std::string, std::string>> cols = {{"last_name", p.add(c.family_name)},
                                                           {"email", p.add(c.email)}};
  if (writes_old(m.given_name)) cols.emplace_back("first_name", p.add(c.given_name));
  if (writes_new(m.given_name)) cols.emplace_back("given_name", p.add(c.given_name));
  if (writes_old(m.addresses)) {
    cols.emplace_back("street", p.add(c.address.street));
    cols.emplace_back("city", p.add(c.address.city));
    cols.emplace_back("postal_code", p.add(c.address.postal_code));
    cols.emplace_back("country", p.add(c.address.country));
  }
  return cols;
}
}  // namespace

Modes Modes::of(const svc::Flags& flags) {
  return {flags.mode(kGivenName), flags.mode(kAddresses), flags.mode(kPreferredLanguage)};
}

std::optional<Customer> CustomerStore::get(std::int64_t id) {
  const auto m = Modes::of(flags_);
  auto lease = pool_.acquire();
  try {
    pqxx::read_transaction tx(lease.conn());
    return read_one(tx, m, id);
  } catch (const pqxx::broken_connection&) {
    lease.discard();
    throw;
  }
}

std::vector<Customer> CustomerStore::list(std::int64_t after, int limit) {
  const auto m = Modes::of(flags_);
  auto lease = pool_.acquire();
  try {
    pqxx::read_transaction tx(lease.conn());
    std::vector<Customer> out;
    for (const auto& r :
         tx.exec_params(select_sql(m) + " WHERE c.id > $1 ORDER BY c.id LIMIT $2", after, limit))
      out.push_back(from_row(r));
    return out;
  } catch (const pqxx::broken_connection&) {
    lease.discard();
    throw;
  }
}

Customer CustomerStore::create(const Customer& c) {
  const auto m = Modes::of(flags_);
  return svc::with_transaction(pool_, [&](pqxx::work& tx) {
    Params p;
    auto cols = written_columns(m, c, p);
    if (writes_new(m.preferred_language))
      cols.emplace_back(
          "preferred_language",
          p.add(c.preferred_language.value_or(language_for_country(c.address.country))));
    std::string names, values;
    for (const auto& [col, param] : cols) {
      names += (names.empty() ? "" : ", ") + col;
      values += (values.empty() ? "" : ", ") + param;
    }
    const auto id = p.exec(tx, "INSERT INTO customers (" + names + ") VALUES (" + values +
                                   ") RETURNING id")[0][0]
                        .as<std::int64_t>();
    if (writes_new(m.addresses)) write_address_row(tx, id, c.address);
    return *read_one(tx, m, id);
  });
}

std::optional<Customer> CustomerStore::update(std::int64_t id, const Customer& c) {
  const auto m = Modes::of(flags_);
  return svc::with_transaction(pool_, [&](pqxx::work& tx) -> std::optional<Customer> {
    Params p;
    auto cols = written_columns(m, c, p);
    if (writes_new(m.preferred_language)) {
      // A v1 writer cannot send the language: keep what is there, else derive it.
      cols.emplace_back("preferred_language",
                        "COALESCE(" + p.add(c.preferred_language) + ", preferred_language, " +
                            p.add(language_for_country(c.address.country)) + ")");
    }
    std::string set;
    for (const auto& [col, param] : cols) set += (set.empty() ? "" : ", ") + col + " = " + param;
    const auto idp = p.add(std::to_string(id));
    if (p.exec(tx, "UPDATE customers SET " + set + " WHERE id = " + idp).affected_rows() == 0)
      return std::nullopt;
    if (writes_new(m.addresses)) write_address_row(tx, id, c.address);
    return read_one(tx, m, id);
  });
}

}  // namespace schemashift::customers
