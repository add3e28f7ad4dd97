#include "support/helpers.h"

#include <stdexcept>
#include <thread>

#include "kube/cluster_config.h"
#include "support/process.h"
#include "support/stack_env.h"

namespace schemashift::testing {

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

std::string kubectl(const std::string& args) {
  return stack_var("KUBECTL_BIN") + " --kubeconfig " + stack_var("KUBECONFIG") + " " + args;
}

std::string service_account_kubeconfig(const std::string& ns, const std::string& name) {
  auto token = run_command(kubectl("-n " + ns + " create token " + name + " --duration=1h"));
  if (token.exit_code != 0) throw std::runtime_error("kubectl create token: " + token.output);
  std::string t = token.output;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  const std::string path = "/tmp/schemashift-sa-" + ns + "-" + name + "-" + unique_suffix();
  const std::string kc = stack_var("KUBECTL_BIN") + " config --kubeconfig=" + path + " ";
  for (const std::string& step :
       {"set-cluster local --server=" + stack_var("KUBE_APISERVER") +
            " --certificate-authority=" + stack_var("KUBE_CA_FILE") + " --embed-certs",
        "set-credentials " + name + " --token=" + t,
        "set-context local --cluster=local --user=" + name + " --namespace=" + ns,
        std::string("use-context local")}) {
    auto r = run_command(kc + step);
    if (r.exit_code != 0) throw std::runtime_error("kubectl config " + step + ": " + r.output);
  }
  return path;
}

kube::Client admin_client(const std::string& server) {
  auto cfg = kube::load_kubeconfig(stack_var("KUBECONFIG"));
  if (!cfg) throw std::runtime_error(cfg.error().describe());
  if (!server.empty()) cfg->server = server;
  auto t = kube::HttpsTransport::create(*cfg);
  if (!t) throw std::runtime_error(t.error().describe());
  return kube::Client(*t);
}

std::string scalar(pqxx::connection& c, const std::string& sql) {
  pqxx::nontransaction tx(c);
  auto r = tx.exec(sql);
  return r[0][0].is_null() ? std::string("NULL") : r[0][0].as<std::string>();
}

}  // namespace schemashift::testing
