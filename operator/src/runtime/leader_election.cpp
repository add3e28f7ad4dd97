#include "runtime/leader_election.h"

#include "common/time.h"

namespace schemashift::runtime {

using SteadyClock = std::chrono::steady_clock;

LeaderElector::LeaderElector(kube::Client client, LeaderElectionConfig cfg)
    : client_(std::move(client)), cfg_(std::move(cfg)) {}

std::string LeaderElector::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

bool LeaderElector::sleep_for(SteadyClock::duration d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

bool LeaderElector::try_acquire_or_renew() {
  const auto now = std::chrono::system_clock::now();
  const std::string ts = micro_time(now);
  auto note_error = [&](const kube::ApiError& e) {
    std::lock_guard lock(mu_);
    last_error_ = e.describe();
    return false;
  };
  auto cur = client_.get(kube::resources::kLease, cfg_.lease_namespace, cfg_.lease_name);
  if (!cur) {
    if (!cur.error().not_found()) return note_error(cur.error());
    nlohmann::json lease = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", cfg_.lease_name}, {"namespace", cfg_.lease_namespace}}},
        {"spec",
         {{"holderIdentity", cfg_.identity},
          {"leaseDurationSeconds", cfg_.lease_duration.count()},
          {"acquireTime", ts},
          {"renewTime", ts},
          {"leaseTransitions", 0}}}};
    auto created = client_.create(kube::resources::kLease, cfg_.lease_namespace, lease);
    if (!created) return note_error(created.error());
    observed_spec_ = (*created)["spec"];
    observed_at_ = SteadyClock::now();
    return true;
  }
  nlohmann::json spec = (*cur)["spec"];
  if (spec != observed_spec_) {  // the record changed: its holder is alive, start the clock again
    observed_spec_ = spec;
    observed_at_ = SteadyClock::now();
  }
  const std::string holder = spec.value("holderIdentity", "");
  const auto duration =
      std::chrono::seconds(spec.value("leaseDurationSeconds", cfg_.lease_duration.count()));
  if (!holder.empty() && holder != cfg_.identity && SteadyClock::now() < observed_at_ + duration) {
    return false;  // held by someone who renewed within a lease duration
  }
  if (holder == cfg_.identity) {
    spec["renewTime"] = ts;
  } else {
    spec["holderIdentity"] = cfg_.identity;
    spec["acquireTime"] = ts;
    spec["renewTime"] = ts;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["leaseDurationSeconds"] = cfg_.lease_duration.count();
  nlohmann::json updated = *cur;
  updated["spec"] = spec;  // keeps metadata.resourceVersion: a concurrent writer gets a Conflict
  auto w = client_.update(kube::resources::kLease, cfg_.lease_namespace, updated);
  if (!w) return note_error(w.error());
  observed_spec_ = (*w)["spec"];
  observed_at_ = SteadyClock::now();
  return true;
}

void LeaderElector::release() {
  auto cur = client_.get(kube::resources::kLease, cfg_.lease_namespace, cfg_.lease_name);
  if (!cur || (*cur)["spec"].value("holderIdentity", "") != cfg_.identity) return;
  nlohmann::json updated = *cur;
  updated["spec"]["holderIdentity"] = "";
  updated["spec"]["leaseDurationSeconds"] = 1;
  updated["spec"]["renewTime"] = micro_time(std::chrono::system_clock::now());
  (void)client_.update(kube::resources::kLease, cfg_.lease_namespace, updated);
}

void LeaderElector::run(const std::function<void()>& on_started,
                        const std::function<void()>& on_stopped) {
  while (!try_acquire_or_renew()) {
    if (!sleep_for(cfg_.retry_period)) return;
  }
  leading_ = true;
  if (on_started) on_started();
  while (true) {
    if (!sleep_for(cfg_.retry_period)) break;  // stop(): give it up
    const auto deadline = SteadyClock::now() + cfg_.renew_deadline;
    bool renewed = false;
    while (!renewed && SteadyClock::now() < deadline) {
      renewed = try_acquire_or_renew();
      if (!renewed && !sleep_for(std::min<SteadyClock::duration>(cfg_.retry_period,
                                                                 deadline - SteadyClock::now()))) {
        break;
      }
    }
    if (!renewed) break;  // lost it
  }
  leading_ = false;
  bool stopped;
  {
    std::lock_guard lock(mu_);
    stopped = stopping_;
  }
  if (stopped && cfg_.release_on_stop) release();
  if (on_stopped) on_stopped();
}

void LeaderElector::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

}  // namespace schemashift::runtime
