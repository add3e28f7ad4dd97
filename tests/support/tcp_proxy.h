// TcpProxy: a loopback TCP relay for tests that need to cut a client off from a real server
// (a network partition) and let it back in. TLS passes through untouched.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace schemashift::testing {

class TcpProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and relays to 127.0.0.1:target_port.
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // Closes every relayed connection and refuses new ones until restore().
  void cut();
  void restore();

 private:
  void accept_loop();
  void relay(int client_fd);

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cut_{false};
  std::mutex mu_;
  std::set<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace schemashift::testing

namespace schemashift::testing {
// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
int free_port();
}  // namespace schemashift::testing
