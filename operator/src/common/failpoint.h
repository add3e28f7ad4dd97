// Deterministic failpoints for crash tests: SCHEMASHIFT_FAILPOINTS="contract.after-commit" (a
// comma-separated list; `name@N` fires on the N-th hit, default the first) makes the process exit
// at once, with status kFailpointExit and a line on stderr, when it reaches that named point:
// the same as a SIGKILL there, but at an exact place. Without the variable a failpoint costs one
// atomic load. Names: <section>.before-commit / <section>.after-commit (section: expand,
// contract, rollback; the step's SQL ran, its transaction not yet / just committed),
// concurrently.after-run (a CONCURRENTLY statement ran, its step not yet recorded),
// flags.before-commit / flags.after-commit, backfill.before-checkpoint /
// backfill.after-checkpoint, trigger.after-commit, barrier.passed, status.before-write /
// status.after-write.
#pragma once

#include <string_view>

namespace schemashift {

inline constexpr int kFailpointExit = 86;

// Exits the process if `name` is armed and this is the hit it waits for.
void failpoint(std::string_view name);

// The armed list, re-read from the environment (tests call it after setenv).
void reload_failpoints();

}  // namespace schemashift
