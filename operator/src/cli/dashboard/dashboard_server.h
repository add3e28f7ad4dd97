// DashboardServer: `kubectl schemashift dashboard` — an HTTP server on localhost serving the
// page (page_asset), the board as JSON (/api/board) and as a live stream (/events), and, only
// with --allow-actions, the controls (POST /api/migrations/NS/NAME/{approve,pause,resume,abort})
// that set the same annotations as the plugin's commands. Without it those answer 403.
//
// It acts with the user's own credentials, so it guards against other sites in the same
// browser: a Host header other than the address it listens on is refused (DNS rebinding), and
// a control must come from the page itself (its Origin, and a header a cross-site form cannot
// send without a CORS preflight this server never grants).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "kube/client.h"

namespace schemashift::cli::dashboard {

struct DashboardOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: any free port
  bool allow_actions = false;
  std::string ns;  // "" for every namespace
};

class DashboardServer {
 public:
  DashboardServer(kube::Client client, DashboardOptions options);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  // Binds; the port it got, or an error message.
  schemashift::Result<int, std::string> bind();
  // Serves until stop() (from another thread or a signal handler's thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The header the page sends with every control, and its value.
inline constexpr const char* kActionHeader = "X-Schemashift-Dashboard";
inline constexpr const char* kActionHeaderValue = "action";

// `host` is the Host header; allowed when it names the listening address or localhost at the
// listening port.
bool host_allowed(const std::string& host, const std::string& address, int port);

}  // namespace schemashift::cli::dashboard
