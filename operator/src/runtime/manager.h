// Manager: runs a controller: informers feeding keys into the work queue, N workers calling
// the reconciler (one key never on two workers), retries with backoff on errors, periodic
// resync, optional leader election (exits when leadership is lost), /metrics, /healthz and
// /readyz (ready once every cache has synced). Graceful stop drains the workers.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include "kube/client.h"
#include "runtime/http_endpoints.h"
#include "runtime/informer.h"
#include "runtime/leader_election.h"
#include "runtime/metrics.h"
#include "runtime/work_queue.h"

namespace schemashift::runtime {

struct ReconcileResult {
  std::chrono::milliseconds requeue_after{0};  // > 0: look again after this long
};

// What a reconciler reports: a result, or an error that retries the key with backoff.
using ReconcileOutcome = schemashift::Result<ReconcileResult, std::string>;
using Reconciler = std::function<ReconcileOutcome(const std::string& key)>;

struct ManagerOptions {
  std::string controller_name = "schemamigration";
  int workers = 2;
  std::chrono::seconds resync_period{600};
  std::optional<LeaderElectionConfig> leader_election{};
  std::string metrics_addr = ":8080";
  std::string probe_addr = ":8081";
};

class Manager {
 public:
  Manager(kube::Client client, ManagerOptions opts);
  ~Manager();

  // Watches a kind; every change enqueues the keys `to_keys` returns (default: its own key).
  Informer& watch(const kube::ResourceType& type, InformerOptions opts,
                  std::function<std::vector<std::string>(const Json&)> to_keys = {});
  void set_reconciler(Reconciler r) { reconciler_ = std::move(r); }

  // Runs until stop(); returns 0 after a clean stop, 1 when leadership was lost, 2 when an
  // endpoint could not be bound.
  int run();
  void stop();

  bool ready() const;
  MetricsRegistry& metrics() { return metrics_; }
  WorkQueue& queue() { return queue_; }
  int metrics_port() const { return endpoints_ ? endpoints_->metrics_port() : 0; }
  int probe_port() const { return endpoints_ ? endpoints_->probe_port() : 0; }
  bool leading() const { return leading_.load(); }

 private:
  void run_controllers();  // informers, workers, resync; until stop or lost leadership
  void worker();

  kube::Client client_;
  ManagerOptions opts_;
  MetricsRegistry metrics_;
  WorkQueue queue_;
  Reconciler reconciler_;
  std::vector<std::unique_ptr<Informer>> informers_;
  std::unique_ptr<HttpEndpoints> endpoints_;
  std::unique_ptr<LeaderElector> elector_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> leading_{false};
  std::atomic<bool> controllers_stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;

  prometheus::Counter *reconcile_ok_, *reconcile_err_, *reconcile_requeue_,
      *reconcile_errors_total_;
  prometheus::Histogram *reconcile_time_, *queue_duration_;
};

}  // namespace schemashift::runtime
