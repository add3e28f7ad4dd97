#include "lifecycle.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "http_server.h"
#include "log.h"

namespace schemashift::svc {

namespace {
using Clock = std::chrono::steady_clock;

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

long long ms_left(Clock::time_point deadline) {
  return std::max<long long>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
}
}  // namespace

Lifecycle::Lifecycle(const ServiceConfig& cfg) : cfg_(cfg) {
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void Lifecycle::drain(HttpServer& server) { server_ = &server; }

void Lifecycle::on_shutdown(std::string name, std::function<void()> hook) {
  hooks_.emplace_back(std::move(name), std::move(hook));
}

void Lifecycle::run_until_signal() {
  const sigset_t set = shutdown_signals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  log_info("shutdown signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  shut_down();
}

void Lifecycle::shut_down() {
  if (shutting_down_.exchange(true)) return;
  const auto deadline = Clock::now() + cfg_.shutdown_grace;
  // The grace period is a promise to the kubelet: whatever hangs, the process ends in time.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_until(lock, deadline, [&] { return done; })) {
      log_error("shutdown grace expired; exiting now", {{"grace_ms", cfg_.shutdown_grace.count()}});
      std::_Exit(1);
    }
  });

  log_info("not ready; draining", {{"drain_delay_ms", cfg_.drain_delay.count()}});
  std::this_thread::sleep_until(std::min(deadline, Clock::now() + cfg_.drain_delay));
  if (server_) {
    server_->stop_accepting();
    const bool drained = server_->wait_drained(std::chrono::milliseconds(ms_left(deadline)));
    log_info("requests drained", {{"drained", drained}, {"in_flight", server_->in_flight()}});
  }
  for (auto& [name, hook] : hooks_) {
    try {
      hook();
      log_info("shutdown step done", {{"step", name}, {"ms_left", ms_left(deadline)}});
    } catch (const std::exception& e) {
      log_error("shutdown step failed", {{"step", name}, {"error", e.what()}});
    }
  }
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  log_info("shutdown complete");
}

}  // namespace schemashift::svc
