// customers-service: the whole service (options, database, flags, API, probes, shutdown);
// the binary's main only calls run().
#pragma once

namespace schemashift::customers {

// Runs until SIGTERM/SIGINT; returns the process's exit code.
int run(int argc, char** argv);

}  // namespace schemashift::customers
