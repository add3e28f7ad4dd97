// The commands of the standalone `schemashift` CLI: the operator's engine (the phase machine and
// the PostgreSQL executor, driven round by round as the reconciler drives them) against a DSN and
// a manifest file, for CI pipelines and local use. Each returns the process's exit code.
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>

namespace schemashift::standalone {

enum ExitCode : int {
  kDone = 0,              // completed (or, for rollback, rolled back as asked)
  kFailed = 1,            // failed, rolled back on its own, or the database refused
  kBadInput = 2,          // the manifest, a field, the SQL's lint or the DSN is wrong
  kAwaitingApproval = 3,  // apply stopped at AwaitingContract: run it again with --approve
  kInterrupted = 130,     // Ctrl-C (SIGINT/SIGTERM): the same command resumes it
};

struct Invocation {
  std::string file;                   // the manifest ("-": stdin)
  std::string name, ns;               // override the manifest's metadata (a bare spec's name)
  std::string dsn;                    // never printed
  bool approve = false;               // apply: contract too
  bool terminal = false;              // stdout is a terminal: the progress line redraws in place
  std::atomic<bool>* stop = nullptr;  // set by the signal handler: stop after this round
};

int lint_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err);
int plan_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err);
int apply_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err);
int rollback_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err);
int status_command(const Invocation& inv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace schemashift::standalone
