#include "runtime/work_queue.h"

namespace schemashift::runtime {

void WorkQueue::push_locked(const std::string& key, Clock::time_point now) {
  if (shutdown_ || dirty_.count(key)) return;  // already waiting: collapse
  dirty_.insert(key);
  ++adds_;
  ready_since_[key] = now;
  if (processing_.count(key)) return;  // queued again by done()
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  push_locked(key, Clock::now());
}

void WorkQueue::add_after(const std::string& key, Clock::duration delay) {
  if (delay <= Clock::duration::zero()) return add(key);
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  const auto at = Clock::now() + delay;
  auto it = delayed_at_.find(key);
  if (it != delayed_at_.end()) {
    if (it->second <= at) return;  // an earlier wake-up is already planned
    for (auto d = delayed_.lower_bound(it->second); d != delayed_.end() && d->first == it->second;
         ++d) {
      if (d->second == key) {
        delayed_.erase(d);
        break;
      }
    }
  }
  delayed_at_[key] = at;
  delayed_.emplace(at, key);
  cv_.notify_all();  // a waiting worker may need to wake earlier
}

void WorkQueue::add_rate_limited(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    ++retries_;
  }
  add_after(key, limiter_.when(key, Clock::now()));
}

void WorkQueue::promote_due_locked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    delayed_at_.erase(key);
    push_locked(key, now);
  }
}

std::optional<std::string> WorkQueue::get(Clock::duration* queued_for) {
  std::unique_lock lock(mu_);
  while (true) {
    const auto now = Clock::now();
    promote_due_locked(now);
    if (!queue_.empty()) break;
    if (shutdown_) return std::nullopt;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, delayed_.begin()->first);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  if (auto it = ready_since_.find(key); it != ready_since_.end()) {
    if (queued_for) *queued_for = Clock::now() - it->second;
    ready_since_.erase(it);
  }
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) {  // added while it was being processed
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutdown_;
}

WorkQueueStats WorkQueue::stats() const {
  std::lock_guard lock(mu_);
  return {adds_, retries_, queue_.size(), delayed_.size(), processing_.size()};
}

}  // namespace schemashift::runtime
