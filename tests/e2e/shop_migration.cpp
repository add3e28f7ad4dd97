#include "e2e/shop_migration.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"

namespace schemashift::testing {

ShopOperator::ShopOperator(Shop& shop) : shop_(shop) {
  auto crds = run_command(kubectl("apply -f " + std::string(SCHEMASHIFT_SOURCE_DIR) + "/crds/"));
  if (crds.exit_code != 0) throw std::runtime_error("CRDs: " + crds.output);
  for (const auto& s : kShopServices) {
    // Through stdin, so the password is on no command line.
    auto made = run_command("printf '%s' " + shell_quote(shop.db(s).dsn()) + " | " +
                            kubectl("-n " + shop.ns() + " create secret generic " + secret(s) +
                                    " --from-file=dsn=/dev/stdin"));
    if (made.exit_code != 0) throw std::runtime_error("secret " + secret(s) + ": " + made.output);
  }
  operator_ = std::make_unique<Subprocess>(
      std::vector<std::string>{std::string(SCHEMASHIFT_BINARY_DIR) + "/schemashift-operator",
                               "--kubeconfig", stack_var("KUBECONFIG"), "--namespace", shop.ns(),
                               "--metrics-bind-address", "0", "--health-probe-bind-address", "0"});
}

ShopOperator::~ShopOperator() {
  (void)shop_.kubectl("delete smig --all --timeout=30s");
  operator_->signal(SIGTERM);
  operator_->wait();
}

void ShopOperator::apply(const std::string& manifest) {
  const std::string path = "/tmp/schemashift-shop-" + unique_suffix() + ".yaml";
  std::ofstream(path) << manifest;
  auto r = shop_.kubectl("apply -f " + path);
  std::remove(path.c_str());
  if (r.exit_code != 0) throw std::runtime_error("kubectl apply: " + r.output + "\n" + manifest);
}

nlohmann::json ShopOperator::get(const std::string& name) const {
  auto r = shop_.kubectl("get smig " + name + " -o json 2>/dev/null");
  if (r.exit_code != 0) return nullptr;
  return nlohmann::json::parse(r.output, nullptr, false);
}

std::string ShopOperator::phase(const std::string& name) const {
  const auto o = get(name);
  if (!o.is_object() || !o.contains("status")) return "";
  return o["status"].value("phase", "");
}

bool ShopOperator::wait_phase(const std::string& name, const std::string& wanted,
                              std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto p = phase(name);
    if (p == wanted) return true;
    if (p == "Failed" || p == "RolledBack" || p == "Completed") return false;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

nlohmann::json ShopOperator::condition(const std::string& name, const std::string& type) const {
  const auto o = get(name);
  if (!o.is_object() || !o.contains("status")) return nlohmann::json::object();
  for (const auto& c : o["status"].value("conditions", nlohmann::json::array()))
    if (c.value("type", "") == type) return c;
  return nlohmann::json::object();
}

std::string ShopOperator::describe(const std::string& name) const {
  const auto o = get(name);
  std::string log = operator_->output();
  if (log.size() > 6000) log = "..." + log.substr(log.size() - 6000);
  return "\n--- status of " + name + " ---\n" +
         (o.is_object() && o.contains("status") ? o["status"].dump(2) : std::string("(none)")) +
         "\n--- operator log (tail) ---\n" + log;
}

}  // namespace schemashift::testing
