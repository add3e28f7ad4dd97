// Connection strings: a DSN carries a password, and nothing schemashift prints (conditions,
// events, logs, errors) may show it. redact_dsn() masks it in both DSN forms (URI and
// key=value); scrub() removes a known secret from any text, such as a driver's error message.
#pragma once

#include <string>

namespace schemashift::pg {

// "postgresql://app:***@db:5432/orders", "host=db user=app password=*** dbname=orders".
std::string redact_dsn(const std::string& dsn);

// The password in `dsn`, if it has one ("" otherwise).
std::string dsn_password(const std::string& dsn);

// `text` with every occurrence of `dsn`'s password (and the raw DSN) replaced by "***".
std::string scrub(std::string text, const std::string& dsn);

}  // namespace schemashift::pg
