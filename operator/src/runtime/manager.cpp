#include "runtime/manager.h"

#include <exception>
#include <thread>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

namespace schemashift::runtime {

namespace {
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

Manager::Manager(kube::Client client, ManagerOptions opts)
    : client_(std::move(client)), opts_(std::move(opts)) {
  const std::string& c = opts_.controller_name;
  auto& reg = metrics_.registry();
  auto& total = prometheus::BuildCounter()
                    .Name("controller_runtime_reconcile_total")
                    .Help("Total number of reconciliations per controller")
                    .Register(reg);
  reconcile_ok_ = &total.Add({{"controller", c}, {"result", "success"}});
  reconcile_err_ = &total.Add({{"controller", c}, {"result", "error"}});
  reconcile_requeue_ = &total.Add({{"controller", c}, {"result", "requeue_after"}});
  reconcile_errors_total_ = &prometheus::BuildCounter()
                                 .Name("controller_runtime_reconcile_errors_total")
                                 .Help("Total number of reconciliation errors per controller")
                                 .Register(reg)
                                 .Add({{"controller", c}});
  reconcile_time_ =
      &prometheus::BuildHistogram()
           .Name("controller_runtime_reconcile_time_seconds")
           .Help("Length of time per reconciliation per controller")
           .Register(reg)
           .Add({{"controller", c}}, MetricsRegistry::exponential_buckets(0.001, 2, 16));
  queue_duration_ =
      &prometheus::BuildHistogram()
           .Name("workqueue_queue_duration_seconds")
           .Help("How long in seconds an item stays in the work queue before being requested")
           .Register(reg)
           .Add({{"name", c}}, MetricsRegistry::exponential_buckets(0.0001, 4, 12));
  metrics_.gauge_func("workqueue_depth", "Current depth of the work queue", {{"name", c}},
                      [this] { return static_cast<double>(queue_.stats().depth); });
  metrics_.counter_func("workqueue_adds_total", "Total number of adds handled by the work queue",
                        {{"name", c}}, [this] { return static_cast<double>(queue_.stats().adds); });
  metrics_.counter_func("workqueue_retries_total",
                        "Total number of retries handled by the work queue", {{"name", c}},
                        [this] { return static_cast<double>(queue_.stats().retries); });
  metrics_.gauge_func(
      "leader_election_master_status",
      "Gauge of whether the reporting system is the leader of the election (1) or not (0)",
      {{"name", c}}, [this] { return leading_ ? 1.0 : 0.0; });
}

Manager::~Manager() { stop(); }

Informer& Manager::watch(const kube::ResourceType& type, InformerOptions opts,
                         std::function<std::vector<std::string>(const Json&)> to_keys) {
  informers_.push_back(std::make_unique<Informer>(client_, type, std::move(opts)));
  Informer& inf = *informers_.back();
  auto enqueue = [this, to_keys](const Json& obj) {
    if (to_keys) {
      for (const auto& k : to_keys(obj)) queue_.add(k);
    } else {
      queue_.add(object_key(obj));
    }
  };
  inf.add_handlers({.on_add = enqueue,
                    .on_update = [enqueue](const Json&, const Json& n) { enqueue(n); },
                    .on_delete = enqueue});
  metrics_.gauge_func("schemashift_informer_cached_objects", "Objects held in an informer's cache",
                      {{"resource", type.plural}},
                      [&inf] { return static_cast<double>(inf.size()); });
  return inf;
}

bool Manager::ready() const {
  if (stopping_) return false;
  // A standby replica (not leading yet) has not started its caches, but it is healthy and ready
  // to take over: without this a 2-replica Deployment would never be Available.
  if (!leading_) return elector_ != nullptr;
  for (const auto& inf : informers_) {
    if (!inf->synced()) return false;
  }
  return true;
}

void Manager::worker() {
  Clock::duration waited{};
  while (auto key = queue_.get(&waited)) {
    queue_duration_->Observe(seconds(waited));
    const auto t0 = Clock::now();
    ReconcileOutcome r = ReconcileResult{};
    try {
      if (reconciler_) r = reconciler_(*key);
    } catch (const std::exception& e) {
      r = fail(std::string("reconciler threw: ") + e.what());
    }
    reconcile_time_->Observe(seconds(Clock::now() - t0));
    if (!r) {
      reconcile_err_->Increment();
      reconcile_errors_total_->Increment();
      spdlog::warn("reconcile {} failed (retry {}): {}", *key, queue_.retries(*key) + 1, r.error());
      queue_.add_rate_limited(*key);
    } else if (r->requeue_after.count() > 0) {
      reconcile_requeue_->Increment();
      queue_.forget(*key);
      queue_.add_after(*key, r->requeue_after);
    } else {
      reconcile_ok_->Increment();
      queue_.forget(*key);
    }
    queue_.done(*key);
  }
}

void Manager::run_controllers() {
  std::vector<std::thread> informer_threads;
  for (auto& inf : informers_) informer_threads.emplace_back([&inf] { inf->run(); });
  std::vector<std::thread> workers;
  auto should_stop = [this] { return stopping_.load() || controllers_stopping_.load(); };
  // Workers start once every cache is synced, so reconcilers see a complete picture.
  while (!should_stop()) {
    bool all = true;
    for (auto& inf : informers_) all = all && inf->synced();
    if (all) break;
    std::unique_lock lock(stop_mu_);
    stop_cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  if (!should_stop()) {
    spdlog::info("caches synced; starting {} workers", opts_.workers);
    for (int i = 0; i < opts_.workers; ++i) workers.emplace_back([this] { worker(); });
  }
  while (!should_stop()) {
    std::unique_lock lock(stop_mu_);
    if (stop_cv_.wait_for(lock, opts_.resync_period, should_stop)) break;
    lock.unlock();
    for (auto& inf : informers_) inf->resync();
  }
  for (auto& inf : informers_) inf->stop();
  queue_.shut_down();
  for (auto& t : workers) t.join();
  for (auto& t : informer_threads) t.join();
}

int Manager::run() {
  endpoints_ = std::make_unique<HttpEndpoints>(
      metrics_, [this] { return !stopping_; }, [this] { return ready(); });
  std::string err;
  if (!endpoints_->start(opts_.metrics_addr, opts_.probe_addr, &err)) {
    spdlog::error("{}", err);
    return 2;
  }
  int rc = 0;
  if (opts_.leader_election) {
    elector_ = std::make_unique<LeaderElector>(client_, *opts_.leader_election);
    std::thread controllers;
    bool lost = false;
    spdlog::info("waiting for leadership of lease {}/{} as {}",
                 opts_.leader_election->lease_namespace, opts_.leader_election->lease_name,
                 opts_.leader_election->identity);
    elector_->run(
        [&] {
          spdlog::info("became leader");
          leading_ = true;
          controllers = std::thread([this] { run_controllers(); });
        },
        [&] {
          leading_ = false;
          lost = !stopping_;
          if (lost) spdlog::error("lost leadership: {}", elector_->last_error());
          controllers_stopping_ = true;
          stop_cv_.notify_all();
        });
    if (controllers.joinable()) controllers.join();
    rc = lost ? 1 : 0;
  } else {
    leading_ = true;
    run_controllers();
  }
  leading_ = false;
  endpoints_->stop();
  return rc;
}

void Manager::stop() {
  stopping_ = true;
  if (elector_) elector_->stop();
  stop_cv_.notify_all();
}

}  // namespace schemashift::runtime
