#include "support/own_postgres.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/process.h"

namespace schemashift::testing {

namespace {
const std::string kBin = [] {
  const char* env = std::getenv("PG_BIN");
  if (env && *env) return std::string(env);
  return std::string("/usr/lib/postgresql/15/bin");
}();

// As root, PostgreSQL runs as 'postgres' (it refuses root), as the stack's does.
std::string as_owner(const std::string& cmd) {
  return geteuid() == 0 ? "runuser -u postgres -- " + cmd : cmd;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("OwnPostgres: no free loopback port");
  }
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}
}  // namespace

OwnPostgres::OwnPostgres() {
  char tmpl[] = "/tmp/schemashift-ownpg.XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("OwnPostgres: mkdtemp failed");
  dir_ = tmpl;
  std::filesystem::permissions(dir_, std::filesystem::perms::all);
  if (geteuid() == 0) run_command("chown postgres:postgres " + shell_quote(dir_));
  port_ = free_port();
  const auto init = run_command(as_owner(kBin + "/initdb -D " + shell_quote(dir_ + "/data") +
                                         " -U postgres --auth=trust -E UTF8 --locale=C.UTF-8"));
  if (init.exit_code != 0) throw std::runtime_error("OwnPostgres: initdb failed: " + init.output);
  std::ofstream conf(dir_ + "/data/postgresql.conf", std::ios::app);
  conf << "listen_addresses = '127.0.0.1'\nport = " << port_ << "\nunix_socket_directories = '"
       << dir_ << "'\nfsync = off\nmax_connections = 50\nshared_buffers = 64MB\n";
  conf.close();
  start();
}

OwnPostgres::~OwnPostgres() {
  run_command(
      as_owner(kBin + "/pg_ctl -D " + shell_quote(dir_ + "/data") + " -m immediate -w stop") +
      " >/dev/null 2>&1");
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string OwnPostgres::dsn() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres";
}

void OwnPostgres::pg_ctl(const std::string& args) const {
  const auto r = run_command(as_owner(kBin + "/pg_ctl -D " + shell_quote(dir_ + "/data") + " -l " +
                                      shell_quote(dir_ + "/server.log") + " " + args));
  if (r.exit_code != 0)
    throw std::runtime_error("OwnPostgres: pg_ctl " + args + " failed: " + r.output + "\n" +
                             log_tail());
}

void OwnPostgres::stop(const std::string& mode) { pg_ctl("-m " + mode + " -w -t 60 stop"); }

void OwnPostgres::start() { pg_ctl("-w -t 60 start"); }

std::string OwnPostgres::log_tail() const {
  return run_command("tail -n 20 " + shell_quote(dir_ + "/server.log")).output;
}

}  // namespace schemashift::testing
