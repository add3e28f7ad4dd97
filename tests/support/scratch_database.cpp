#include "support/scratch_database.h"

#include <pqxx/pqxx>

#include "support/stack_env.h"

namespace schemashift::testing {

namespace {
// postgresql://user:password@host:port/db -> its parts (the stack writes exactly this form).
void split(const std::string& uri, std::string& user, std::string& password, std::string& host,
           std::string& port) {
  const auto scheme = uri.find("://") + 3, at = uri.rfind('@'), colon = uri.find(':', scheme);
  user = uri.substr(scheme, colon - scheme);
  password = uri.substr(colon + 1, at - colon - 1);
  const auto slash = uri.find('/', at);
  const std::string hostport = uri.substr(at + 1, slash - at - 1);
  host = hostport.substr(0, hostport.rfind(':'));
  port = hostport.substr(hostport.rfind(':') + 1);
}
}  // namespace

ScratchDatabase::ScratchDatabase(const std::string& prefix) {
  const std::string suffix = unique_suffix();
  role_ = prefix + "_role_" + suffix;
  name_ = prefix + "_db_" + suffix;
  password_ = "pw-" + unique_suffix() + unique_suffix();
  split(stack_var("PG_PRIMARY_DSN"), admin_user_, admin_password_, host_, port_);
  pqxx::connection c(stack_var("PG_PRIMARY_DSN"));
  pqxx::nontransaction nt(c);
  nt.exec0("CREATE ROLE " + c.quote_name(role_) + " LOGIN PASSWORD " + nt.quote(password_));
  nt.exec0("CREATE DATABASE " + c.quote_name(name_) + " OWNER " + c.quote_name(role_));
}

ScratchDatabase::~ScratchDatabase() {
  try {
    pqxx::connection c(stack_var("PG_PRIMARY_DSN"));
    pqxx::nontransaction nt(c);
    nt.exec0("DROP DATABASE IF EXISTS " + c.quote_name(name_) + " WITH (FORCE)");
    nt.exec0("DROP ROLE IF EXISTS " + c.quote_name(role_));
  } catch (const std::exception&) {
  }
}

std::string ScratchDatabase::dsn() const {
  return "host=" + host_ + " port=" + port_ + " dbname=" + name_ + " user=" + role_ +
         " password=" + password_;
}

std::string ScratchDatabase::admin_dsn() const {
  return "host=" + host_ + " port=" + port_ + " dbname=" + name_ + " user=" + admin_user_ +
         " password=" + admin_password_;
}

void ScratchDatabase::admin(const std::string& sql) const {
  pqxx::connection c(admin_dsn());
  pqxx::nontransaction nt(c);
  nt.exec(sql);
}

}  // namespace schemashift::testing
