// OwnPostgres: a throwaway PostgreSQL server of a test's own (initdb in a new directory under
// /tmp, a free loopback port, the binaries the stack uses), for faults that must not touch the
// shared stack: restarting the server, turning it read-only with ALTER SYSTEM. As root the server
// runs as the 'postgres' user, as hack/stack.d/postgres.sh runs the stack's. Trust auth on
// loopback only; the directory is removed on destruction.
#pragma once

#include <string>

namespace schemashift::testing {

class OwnPostgres {
 public:
  OwnPostgres();   // initdb and start; throws with the server's log when either fails
  ~OwnPostgres();  // stop (immediate) and remove the directory
  OwnPostgres(const OwnPostgres&) = delete;
  OwnPostgres& operator=(const OwnPostgres&) = delete;

  std::string dsn() const;  // the superuser, database postgres, over TCP
  int port() const { return port_; }
  void stop(const std::string& mode = "fast");  // pg_ctl stop -m mode
  void start();                                 // pg_ctl start -w
  std::string log_tail() const;

 private:
  void pg_ctl(const std::string& args) const;
  std::string dir_;
  int port_ = 0;
};

}  // namespace schemashift::testing
