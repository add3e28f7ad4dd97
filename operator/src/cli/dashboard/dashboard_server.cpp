#include "cli/dashboard/dashboard_server.h"

#include <httplib.h>

#include <map>

#include "cli/dashboard/event_stream.h"
#include "cli/dashboard/migration_board.h"
#include "cli/dashboard/page_asset.h"
#include "cli/plugin_commands.h"

namespace schemashift::cli::dashboard {

using nlohmann::json;
namespace res = kube::resources;

bool host_allowed(const std::string& host, const std::string& address, int port) {
  const std::string p = ":" + std::to_string(port);
  for (const std::string& name :
       {address, std::string("localhost"), std::string("127.0.0.1"), std::string("[::1]")}) {
    const std::string bracketed =
        name.find(':') != std::string::npos && name.front() != '[' ? "[" + name + "]" : name;
    if (host == bracketed + p) return true;
  }
  return false;
}

struct DashboardServer::Impl {
  Impl(kube::Client c, DashboardOptions o)
      : client(c), options(std::move(o)), board(std::move(c), options.ns) {}

  void routes();
  void control(const httplib::Request& req, httplib::Response& res);

  kube::Client client;
  DashboardOptions options;
  MigrationBoard board;
  httplib::Server server;
  int port = 0;
};

namespace {

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

void DashboardServer::Impl::control(const httplib::Request& req, httplib::Response& res) {
  if (!options.allow_actions) {
    answer(res, 403,
           {{"error",
             "this dashboard is read-only: start it with --allow-actions to control "
             "migrations"}});
    return;
  }
  const std::string origin = req.get_header_value("Origin");
  if (req.get_header_value(kActionHeader) != kActionHeaderValue ||
      (!origin.empty() && origin != "http://" + req.get_header_value("Host"))) {
    answer(res, 403, {{"error", "controls are accepted from the dashboard's own page only"}});
    return;
  }
  static const std::map<std::string, Control> verbs = {{"approve", Control::kApprove},
                                                       {"pause", Control::kPause},
                                                       {"resume", Control::kResume},
                                                       {"abort", Control::kAbort}};
  const std::string ns = req.matches[1], name = req.matches[2], verb = req.matches[3];
  if (!options.ns.empty() && ns != options.ns) {
    answer(res, 404, {{"error", "this dashboard shows namespace " + options.ns + " only"}});
    return;
  }
  auto patched =
      client.merge_patch(res::kSchemaMigration, ns, name,
                         {{"metadata", {{"annotations", control_annotations(verbs.at(verb))}}}});
  if (!patched) {
    const auto& e = patched.error();
    answer(res, e.code >= 400 ? e.code : 502, {{"error", describe_api_error(e)}});
    return;
  }
  answer(res, 200,
         {{"result", "schemamigrations.schemashift.io/" + name + ": " + verb + " requested"},
          {"phase", (*patched).value("/status/phase"_json_pointer, "")}});
}

void DashboardServer::Impl::routes() {
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (host_allowed(req.get_header_value("Host"), options.address, port))
      return httplib::Server::HandlerResponse::Unhandled;
    res.status = 421;
    res.set_content("this dashboard answers on its own address only\n", "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  });
  server.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "DENY"},
                              {"Referrer-Policy", "no-referrer"}});
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                   "connect-src 'self'; img-src data:");
    res.set_content(std::string(page_html()), "text/html; charset=utf-8");
  });
  server.Get("/api/board", [this](const httplib::Request&, httplib::Response& res) {
    auto snap = board.snapshot();
    snap["allowActions"] = options.allow_actions;
    res.set_content(snap.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  });
  server.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
    serve_board_stream(board, res);
  });
  server.Post(R"(/api/migrations/([a-z0-9.-]+)/([a-z0-9.-]+)/(approve|pause|resume|abort))",
              [this](const httplib::Request& req, httplib::Response& res) { control(req, res); });
}

DashboardServer::DashboardServer(kube::Client client, DashboardOptions options)
    : impl_(std::make_unique<Impl>(std::move(client), std::move(options))) {}

DashboardServer::~DashboardServer() { stop(); }

schemashift::Result<int, std::string> DashboardServer::bind() {
  auto& i = *impl_;
  if (i.options.port == 0) {
    i.port = i.server.bind_to_any_port(i.options.address);
    if (i.port <= 0) return fail("cannot listen on " + i.options.address);
  } else {
    if (!i.server.bind_to_port(i.options.address, i.options.port))
      return fail("cannot listen on " + i.options.address + ":" + std::to_string(i.options.port));
    i.port = i.options.port;
  }
  i.routes();
  return i.port;
}

void DashboardServer::run() {
  impl_->board.start();
  impl_->server.listen_after_bind();
}

void DashboardServer::stop() {
  impl_->board.stop();  // first: the event streams see it and end
  impl_->server.stop();
}

}  // namespace schemashift::cli::dashboard
