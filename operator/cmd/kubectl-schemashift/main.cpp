// kubectl-schemashift: the kubectl plugin (`kubectl schemashift ...`). It talks to the API
// server with the user's kubeconfig, context and namespace, as kubectl does.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/completion.h"
#include "cli/dashboard/dashboard_server.h"
#include "cli/plugin_commands.h"
#include "kube/cluster_config.h"
#include "kube/transport.h"

using namespace schemashift;

namespace {

// Serves until SIGINT or SIGTERM: the signals are taken by a thread of their own (sigwait), so
// the server and the watches stop in order rather than in a handler.
int serve_dashboard(kube::Client client, const cli::dashboard::DashboardOptions& options) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  cli::dashboard::DashboardServer server(std::move(client), options);
  auto port = server.bind();
  if (!port) {
    std::cerr << "error: " << port.error() << "\n";
    return 1;
  }
  const bool v6 = options.address.find(':') != std::string::npos;
  std::cout << "Dashboard: http://" << (v6 ? "[" + options.address + "]" : options.address) << ":"
            << *port << "/  ("
            << (options.ns.empty() ? "all namespaces" : "namespace " + options.ns) << ", "
            << (options.allow_actions ? "controls enabled" : "read-only") << "; Ctrl-C to stop)"
            << std::endl;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  server.run();
  // run() also returns if listening fails; wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Watch and steer SchemaMigrations (schemashift.io) from the terminal.",
               "kubectl schemashift"};
  app.require_subcommand(1);
  std::string kubeconfig, context, ns;
  bool no_color = false;
  app.add_option("--kubeconfig", kubeconfig, "Path to the kubeconfig file to use");
  app.add_option("--context", context, "The kubeconfig context to use");
  app.add_option("-n,--namespace", ns, "The namespace (default: the context's namespace)");
  app.add_flag("--no-color", no_color, "Plain text, even on a terminal");

  std::string name;
  bool watch = false, all_namespaces = false;
  std::string output;
  auto* get = app.add_subcommand("get", "Show one migration as a tree: steps, gates, events");
  get->add_option("NAME", name, "The SchemaMigration")->required();
  get->add_flag("-w,--watch", watch, "Redraw on every change until it completes or rolls back");
  auto* list = app.add_subcommand("list", "List migrations with phase, progress and gates");
  list->add_flag("-A,--all-namespaces", all_namespaces, "Across every namespace");
  list->add_option("-o,--output", output, "'name' for names only")->check(CLI::IsMember({"name"}));
  auto* history = app.add_subcommand("history", "The phases a migration went through, with times");
  history->add_option("NAME", name, "The SchemaMigration")->required();
  std::map<std::string, cli::Control> controls = {{"approve", cli::Control::kApprove},
                                                  {"pause", cli::Control::kPause},
                                                  {"resume", cli::Control::kResume},
                                                  {"abort", cli::Control::kAbort}};
  const std::map<std::string, std::string> control_help = {
      {"approve", "Let contract start (sets schemashift.io/approve=true)"},
      {"pause", "Hold the migration where it is (schemashift.io/paused=true)"},
      {"resume", "Carry on after a pause (removes schemashift.io/paused)"},
      {"abort", "Roll back now, while rollback is lossless (schemashift.io/abort=true)"}};
  for (const auto& [verb, _] : controls) {
    auto* c = app.add_subcommand(verb, control_help.at(verb));
    c->add_option("NAME", name, "The SchemaMigration")->required();
  }
  std::string file;
  auto* plan = app.add_subcommand(
      "plan",
      "What the operator would do with a manifest, and its lint findings (no cluster needed)");
  plan->add_option("FILE", file, "The manifest (YAML, one or more documents; - for stdin)")
      ->required();
  cli::dashboard::DashboardOptions board_options;
  bool board_all_namespaces = false;
  auto* dashboard = app.add_subcommand(
      "dashboard",
      "Serve a live web dashboard of the migrations on localhost (read-only by default)");
  dashboard->add_option("--address", board_options.address, "The address to listen on")
      ->capture_default_str();
  dashboard->add_option("--port", board_options.port, "The port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  dashboard->add_flag("--allow-actions", board_options.allow_actions,
                      "Show approve/pause/resume/abort buttons that act with your credentials");
  dashboard->add_flag("-A,--all-namespaces", board_all_namespaces, "Across every namespace");
  std::string shell;
  auto* completion = app.add_subcommand("completion", "Print a shell completion script");
  completion->add_option("SHELL", shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (completion->parsed()) {
    std::cout << (shell == "bash" ? cli::bash_completion() : cli::zsh_completion());
    return 0;
  }

  if (plan->parsed()) {
    const bool tty = isatty(STDOUT_FILENO) == 1;
    return cli::plan_file(file, {.color = tty && !no_color, .unicode = true}, std::cin, std::cout,
                          std::cerr);
  }

  auto config = kube::load_cluster_config(kubeconfig, context);
  if (!config) {
    std::cerr << "error: " << config.error().message << "\n";
    return 1;
  }
  auto transport = kube::HttpsTransport::create(*config);
  if (!transport) {
    std::cerr << "error: " << transport.error().message << "\n";
    return 1;
  }
  const bool terminal = isatty(STDOUT_FILENO) == 1;
  const char* term = std::getenv("TERM");
  const bool color =
      terminal && !no_color && !std::getenv("NO_COLOR") && !(term && std::string(term) == "dumb");
  cli::PluginContext ctx{.client = kube::Client(*transport),
                         .ns = ns.empty() ? config->default_namespace : ns,
                         .style = {.color = color, .unicode = true},
                         .terminal = terminal,
                         .out = std::cout,
                         .err = std::cerr};

  if (dashboard->parsed()) {
    board_options.ns = board_all_namespaces ? "" : ctx.ns;
    return serve_dashboard(ctx.client, board_options);
  }
  if (get->parsed()) return cli::get_migration(ctx, name, watch);
  if (list->parsed()) return cli::list_migrations(ctx, all_namespaces, output == "name");
  if (history->parsed()) return cli::show_history(ctx, name);
  for (const auto& [verb, control] : controls) {
    if (app.got_subcommand(verb)) return cli::control_migration(ctx, name, control);
  }
  return 2;
}
