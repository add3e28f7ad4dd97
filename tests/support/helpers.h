// Small helpers the integration tests share: waiting for a condition, an admin client for
// the stack's API server, a kubectl command line, and reading one value from PostgreSQL.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <pqxx/pqxx>

#include "kube/client.h"

namespace schemashift::testing {

// Polls `cond` every 20 ms until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// A client for the stack's API server with the admin certificate; `server` overrides the
// address (e.g. to go through a TcpProxy).
kube::Client admin_client(const std::string& server = {});

// A shell command running the stack's kubectl against its kubeconfig with `args`.
std::string kubectl(const std::string& args);

// A kubeconfig (written to a temporary file, its path returned) that authenticates to the
// stack's API server as ServiceAccount `name` in `ns`, with a token the API server issues for
// it — what a pod of that ServiceAccount presents. Throws when kubectl cannot make it.
std::string service_account_kubeconfig(const std::string& ns, const std::string& name);

// The first column of the first row of `sql`, as text ("NULL" for NULL).
std::string scalar(pqxx::connection& c, const std::string& sql);

}  // namespace schemashift::testing
