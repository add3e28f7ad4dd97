// The narrow table the backfill benchmarks work on: id bigint primary key, a int, b int
// (b empty), `rows` rows, vacuumed and analysed.
#pragma once

#include <string>

#include <pqxx/pqxx>

namespace schemashift::bench {

inline void make_narrow_table(pqxx::connection& c, const std::string& table, int rows) {
  {
    pqxx::work tx(c);
    tx.exec0("DROP TABLE IF EXISTS " + table);
    tx.exec0("CREATE TABLE " + table + " (id bigint PRIMARY KEY, a int NOT NULL, b int)");
    tx.exec0("INSERT INTO " + table + " SELECT g, g FROM generate_series(1, " +
             std::to_string(rows) + ") g");
    tx.commit();
  }
  pqxx::nontransaction nt(c);  // VACUUM cannot run inside a transaction
  nt.exec0("VACUUM ANALYZE " + table);
}

}  // namespace schemashift::bench
