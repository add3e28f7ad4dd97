// Connection strings: what a user pastes into the database Secret, read by libpq's own parser
// (PQconninfoParse), so schemashift sees exactly what libpq will. Accepted: postgresql:// and
// postgres:// URIs (the scheme in any letter case), libpq key=value strings, and JDBC URLs
// (jdbc:postgresql://host:port/db?user=..&password=..), converted to a libpq conninfo; a JDBC
// parameter without a libpq equivalent is refused by name. Refused by name, never echoed: an
// empty string, bytes that are not UTF-8 (or a NUL), an ADO.NET/Npgsql string
// (Server=...;Password=...), and anything libpq cannot parse. The conninfo given to libpq has
// every option set, so nothing falls back to the operator's own PG* environment or ~/.pgpass.
// Nothing schemashift prints may show a password: display() names only host, port, database
// and user; scrub() masks credentials in any other text.
#pragma once

#include <string>

#include "common/result.h"

namespace schemashift::pg {

struct Conninfo {
  std::string conninfo;  // for libpq: every option explicit (key='value' ...)
  std::string password;  // "" when the string has none
  std::string display;   // "host=db port=5432 dbname=orders user=app": nothing secret
};

// Parses `dsn` (see the header comment); the error says what is wrong without quoting it.
Result<Conninfo, std::string> parse_dsn(const std::string& dsn);

// What may be printed about `dsn`: its display(), or a note that it could not be parsed.
std::string redact_dsn(const std::string& dsn);

// The password in `dsn`, if it has one ("" otherwise, also when it cannot be parsed).
std::string dsn_password(const std::string& dsn);

// `text` with the credentials masked: by structure (URL userinfo, token parameters,
// password=... pairs), then every occurrence of `dsn` itself, of its conninfo and of its
// password, whatever its length (a password shorter than 4 characters only where it stands
// alone, so that it does not mangle the words around it).
std::string scrub(std::string text, const std::string& dsn);

}  // namespace schemashift::pg
