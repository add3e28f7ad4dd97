// schemashift: the operator's engine without Kubernetes, against a DSN and a manifest file, for
// CI pipelines and local use (docs/cli.md). Exit codes: 0 done, 1 failed or rolled back, 2 bad
// input, 3 waiting for approval, 130 interrupted (the same command resumes).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "standalone/commands.h"

using namespace schemashift;

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Run a SchemaMigration manifest against a PostgreSQL database, without Kubernetes: the "
      "operator's own engine (plan, expand, backfill, verify, contract, rollback).\n"
      "Exit codes: 0 done, 1 failed or rolled back, 2 bad input, 3 waiting for approval, 130 "
      "interrupted (run the same command again to resume).",
      "schemashift"};
  app.require_subcommand(1);
  standalone::Invocation inv;
  auto add_common = [&](CLI::App* c, bool database) {
    c->add_option("FILE", inv.file,
                  "The manifest: a SchemaMigration (YAML) or a bare spec; - for stdin")
        ->required();
    c->add_option("--name", inv.name,
                  "The migration's name (default: metadata.name, or the file's stem)");
    c->add_option("--namespace", inv.ns,
                  "The migration's namespace (default: metadata.namespace, or default)");
    if (database) {
      c->add_option("--dsn", inv.dsn,
                    "The database: a postgresql:// URI, libpq key=value pairs or a JDBC URL "
                    "(never printed); default: $SCHEMASHIFT_DSN");
    }
  };
  auto* lint = app.add_subcommand(
      "lint", "Check the manifest (field paths) and lint its SQL; no database needed");
  add_common(lint, false);
  auto* plan = app.add_subcommand(
      "plan", "What apply would run, with the tables' sizes and the lint against the database");
  add_common(plan, true);
  auto* apply = app.add_subcommand(
      "apply",
      "Run the migration to AwaitingContract (exit 3), or to Completed with --approve; "
      "resumes where a stopped run left off");
  add_common(apply, true);
  apply->add_flag("--approve", inv.approve, "Approve contract: run on to Completed");
  auto* status = app.add_subcommand("status", "The migration's phase, steps and checkpoint");
  add_common(status, true);
  auto* rollback = app.add_subcommand(
      "rollback", "Roll the migration back (possible until contract starts); exit 0 when done");
  add_common(rollback, true);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : standalone::kBadInput;
  }
  // The engine's own log lines only for trouble; the commands say what happens.
  spdlog::set_level(spdlog::level::err);
  spdlog::default_logger()->sinks().clear();
  // Read here, not by CLI11's envname: the subcommands share `inv`, and CLI11 would let a
  // subcommand that did not run overwrite the --dsn given on the command line.
  if (const char* env = std::getenv("SCHEMASHIFT_DSN"); env && inv.dsn.empty()) inv.dsn = env;
  inv.terminal = isatty(STDOUT_FILENO) == 1;
  inv.stop = &g_stop;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  if (lint->parsed()) return standalone::lint_command(inv, std::cin, std::cout, std::cerr);
  if (plan->parsed()) return standalone::plan_command(inv, std::cin, std::cout, std::cerr);
  if (apply->parsed()) return standalone::apply_command(inv, std::cin, std::cout, std::cerr);
  if (status->parsed()) return standalone::status_command(inv, std::cin, std::cout, std::cerr);
  if (rollback->parsed()) return standalone::rollback_command(inv, std::cin, std::cout, std::cerr);
  return standalone::kBadInput;
}
