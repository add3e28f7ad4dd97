// ScratchDatabase: a database of its own for one test, owned by a new role of its own (LOGIN,
// a password, not a superuser), made and dropped through the stack's superuser, so a test can
// set the role's search_path, privileges and planted objects without touching any other test.
#pragma once

#include <string>

namespace schemashift::testing {

class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& prefix = "scratch");
  ~ScratchDatabase();  // drops the database (closing its sessions) and the role
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& role() const { return role_; }
  const std::string& name() const { return name_; }
  const std::string& password() const { return password_; }
  std::string dsn() const;        // as the role, in this database
  std::string admin_dsn() const;  // as the stack's superuser, in this database
  std::string host() const { return host_; }
  std::string port() const { return port_; }

  // Runs `sql` (one or more statements) as the superuser in this database.
  void admin(const std::string& sql) const;

 private:
  std::string role_, name_, password_, host_, port_, admin_user_, admin_password_;
};

}  // namespace schemashift::testing
