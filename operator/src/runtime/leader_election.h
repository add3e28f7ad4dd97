// LeaderElector: leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
// acquire when the lease is free or its holder has not renewed for a lease duration (judged
// by local observation time, not the holder's clock), renew every retry period, and give up
// leadership when renewing has failed for the renew deadline. A Lease is not fencing: work
// that must never run twice is fenced elsewhere (in the database).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "kube/client.h"

namespace schemashift::runtime {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per process: pod name + random suffix
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
  bool release_on_stop = true;  // hand the lease back on a clean stop
};

class LeaderElector {
 public:
  LeaderElector(kube::Client client, LeaderElectionConfig cfg);

  // Blocks until leadership is acquired (then calls on_started), held, and lost or given up
  // on stop() (then calls on_stopped). Returns without calling either if stopped first.
  void run(const std::function<void()>& on_started, const std::function<void()>& on_stopped);
  void stop();
  bool is_leader() const { return leading_.load(); }
  const std::string& identity() const { return cfg_.identity; }
  std::string last_error() const;

 private:
  bool try_acquire_or_renew();
  void release();
  bool sleep_for(std::chrono::steady_clock::duration d);  // false when stopped

  kube::Client client_;
  LeaderElectionConfig cfg_;
  std::atomic<bool> leading_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string last_error_;
  nlohmann::json observed_spec_;
  std::chrono::steady_clock::time_point observed_at_{};
};

}  // namespace schemashift::runtime
