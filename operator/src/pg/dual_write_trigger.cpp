#include "pg/dual_write_trigger.h"

#include <openssl/evp.h>

#include <set>

namespace schemashift::pg {

namespace {

// Names plpgsql gives a meaning inside a trigger function: a column variable must not hide them.
bool reserved_in_trigger(const std::string& name) {
  static const std::set<std::string> names = {"new", "old", "found"};
  return names.count(name) > 0 || name.rfind("tg_", 0) == 0;
}

}  // namespace

std::string dual_write_trigger_name(const std::string& migration) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(migration.data(), migration.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out = "schemashift_dw_";
  for (unsigned int i = 0; i < 8; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

std::string dual_write_install_sql(pqxx::connection& conn, const DualWriteTrigger& t,
                                   const std::string& schema, const std::string& table,
                                   const std::vector<TableColumn>& columns) {
  const std::string name = dual_write_trigger_name(t.migration);
  const std::string function = conn.quote_name(schema) + "." + conn.quote_name(name);
  const std::string qtable = conn.quote_name(schema) + "." + conn.quote_name(table);
  const std::string oldc = "NEW." + conn.quote_name(t.old_column);
  const std::string newc = "NEW." + conn.quote_name(t.new_column);
  std::string declare;
  for (const auto& c : columns) {
    if (reserved_in_trigger(c.name)) continue;
    declare += "  " + conn.quote_name(c.name) + " " + c.type + " := NEW." +
               conn.quote_name(c.name) + ";\n";
  }
  // Each user expression sits in parentheses on its own lines, so a trailing comment or an
  // unbalanced parenthesis cannot reach the code around it.
  const std::string up = "(\n" + t.up + "\n)", down = "(\n" + t.down + "\n)";
  return "CREATE OR REPLACE FUNCTION " + function +
         "() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS "
         "$schemashift_dw$\nDECLARE\n" +
         declare +
         "BEGIN\n"
         "  IF TG_OP = 'INSERT' THEN\n"
         "    IF " +
         newc +
         " IS NULL THEN\n"  // a writer that knows only the old column
         "      " +
         newc + " := " + up +
         ";\n"
         "    ELSE\n"  // a switched writer (or a dual-writing one: down gives the same value)
         "      " +
         oldc + " := " + down +
         ";\n"
         "    END IF;\n"
         "  ELSIF " +
         newc + " IS DISTINCT FROM OLD." + conn.quote_name(t.new_column) +
         " THEN\n"
         "    " +
         oldc + " := " + down +
         ";\n"
         "  ELSIF " +
         oldc + " IS DISTINCT FROM OLD." + conn.quote_name(t.old_column) +
         " THEN\n"
         "    " +
         newc + " := " + up +
         ";\n"
         "  END IF;\n"
         "  RETURN NEW;\n"
         "END\n$schemashift_dw$;\n"
         "DROP TRIGGER IF EXISTS " +
         conn.quote_name(name) + " ON " + qtable +
         ";\n"
         "CREATE TRIGGER " +
         conn.quote_name(name) + " BEFORE INSERT OR UPDATE OF " + conn.quote_name(t.old_column) +
         ", " + conn.quote_name(t.new_column) + " ON " + qtable +
         " FOR EACH ROW EXECUTE FUNCTION " + function + "()";
}

Result<DdlReport, DdlError> install_dual_write_trigger(pqxx::connection& conn,
                                                       const DualWriteTrigger& t,
                                                       const DdlConfig& cfg) {
  std::string schema, table;
  std::vector<TableColumn> columns;
  {
    pqxx::work tx(conn);
    // The table as the user's own search_path finds it, resolved once here.
    auto rel = tx.exec_params(
        "SELECT n.nspname, c.relname, c.oid FROM pg_catalog.pg_class c JOIN "
        "pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace WHERE c.oid "
        "OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1::pg_catalog.text)",
        t.table);
    if (rel.empty()) {
      return fail(DdlError{
          "spec.dualWrite.table: table \"" + t.table + "\" does not exist", "42P01", false, {}});
    }
    // format_type qualifies any type that pg_catalog does not hold, as the function will need.
    tx.exec0("SET LOCAL search_path = pg_catalog, pg_temp");
    schema = rel[0][0].as<std::string>();
    table = rel[0][1].as<std::string>();
    auto cols = tx.exec_params(
        "SELECT attname, pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute "
        "WHERE attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND attnum "
        "OPERATOR(pg_catalog.>) 0 AND NOT attisdropped ORDER BY attnum",
        rel[0][2].as<std::int64_t>());
    for (const auto& c : cols) columns.push_back({c[0].as<std::string>(), c[1].as<std::string>()});
    tx.commit();
  }
  for (const auto& [field, col] :
       {std::pair{"oldColumn", t.old_column}, std::pair{"newColumn", t.new_column}}) {
    bool found = false;
    for (const auto& c : columns) found |= c.name == col;
    if (!found) {
      return fail(DdlError{std::string("spec.dualWrite.") + field + ": table " + schema + "." +
                               table + " has no column \"" + col + "\"",
                           "42703",
                           false,
                           {}});
    }
  }
  return apply_ddl(conn, dual_write_install_sql(conn, t, schema, table, columns), cfg);
}

Result<DdlReport, DdlError> remove_dual_write_trigger(pqxx::connection& conn,
                                                      const std::string& migration,
                                                      const DdlConfig& cfg) {
  const std::string name = dual_write_trigger_name(migration);
  std::string sql;
  {
    pqxx::nontransaction nt(conn);
    auto triggers = nt.exec_params(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON "
        "c.oid OPERATOR(pg_catalog.=) t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid "
        "OPERATOR(pg_catalog.=) c.relnamespace WHERE t.tgname OPERATOR(pg_catalog.=) "
        "$1::pg_catalog.name",
        name);
    for (const auto& r : triggers) {
      sql += "DROP TRIGGER IF EXISTS " + conn.quote_name(name) + " ON " +
             conn.quote_name(r[0].as<std::string>()) + "." +
             conn.quote_name(r[1].as<std::string>()) + ";\n";
    }
    auto functions = nt.exec_params(
        "SELECT n.nspname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid "
        "OPERATOR(pg_catalog.=) p.pronamespace WHERE p.proname OPERATOR(pg_catalog.=) "
        "$1::pg_catalog.name AND p.pronargs OPERATOR(pg_catalog.=) 0",
        name);
    for (const auto& r : functions) {
      sql += "DROP FUNCTION IF EXISTS " + conn.quote_name(r[0].as<std::string>()) + "." +
             conn.quote_name(name) + "();\n";
    }
  }
  if (sql.empty()) return DdlReport{};
  return apply_ddl(conn, sql, cfg);
}

}  // namespace schemashift::pg
