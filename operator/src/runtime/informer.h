// Informer: a local cache of one kind of object, kept current by list + watch, with handlers
// for additions, updates and deletions. The watch is re-opened from the last resourceVersion
// when the server ends it (each with a random 5-10 minute timeout), the cache is relisted when
// the server answers 410 Gone, and errors back off with jitter. A relist compares the fresh list
// with the cache, so nothing that happened while disconnected is missed: vanished objects are
// reported deleted, changed ones updated.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/client.h"

namespace schemashift::runtime {

using Json = nlohmann::json;

// "namespace/name" for namespaced objects, "name" for cluster-scoped ones.
std::string object_key(const Json& obj);

struct InformerOptions {
  std::string ns{};  // empty: every namespace
  std::string label_selector{};
  std::string field_selector{};
  int page_size = 500;
  // Reduces what the cache keeps of each object (e.g. metadata only); applied before handlers.
  std::function<Json(Json&&)> transform{};
  std::chrono::seconds min_watch_timeout{300};
  std::chrono::seconds max_watch_timeout{600};
  std::chrono::milliseconds initial_backoff{800};
  std::chrono::milliseconds max_backoff{30000};
};

struct InformerHandlers {
  std::function<void(const Json&)> on_add{};
  std::function<void(const Json& old_obj, const Json& new_obj)> on_update{};
  std::function<void(const Json&)> on_delete{};
};

struct InformerStats {
  std::uint64_t lists = 0;
  std::uint64_t relists_after_gone = 0;
  std::uint64_t watches = 0;
  std::uint64_t events = 0;
  std::uint64_t errors = 0;
  std::string last_error;
  std::string resource_version;
};

class Informer {
 public:
  Informer(kube::Client client, kube::ResourceType type, InformerOptions opts = {});
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void add_handlers(InformerHandlers h);  // before run()
  // Lists and watches until stop(); blocks.
  void run();
  void stop();
  bool synced() const { return synced_.load(); }
  bool wait_for_sync(std::chrono::milliseconds timeout) const;

  std::optional<Json> get(const std::string& key) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;
  // Calls on_update(obj, obj) for every cached object: a periodic full reconcile.
  void resync();
  InformerStats stats() const;
  const kube::ResourceType& type() const { return type_; }

 private:
  bool list_and_replace();  // relist(), then mark synced and trim the heap
  bool relist();
  void apply(kube::WatchEvent&& ev);
  void sleep_for(std::chrono::milliseconds d);
  void record_error(const kube::ApiError& e);

  kube::Client client_;
  kube::ResourceType type_;
  InformerOptions opts_;
  std::vector<InformerHandlers> handlers_;

  // Objects are kept serialized (compact JSON, ~1 KB each) and parsed when read: a parsed
  // nlohmann::json costs several times that, and the cache can hold thousands of objects.
  struct Cached {
    std::string resource_version;
    std::string json;
  };
  static Cached pack(const Json& obj);
  mutable std::shared_mutex cache_mu_;
  std::unordered_map<std::string, Cached> cache_;

  mutable std::mutex mu_;  // stats, resource version, stop signalling
  mutable std::condition_variable cv_;
  InformerStats stats_;
  std::string rv_;
  bool stopping_ = false;
  kube::StreamCanceller canceller_;
  std::atomic<bool> synced_{false};
};

}  // namespace schemashift::runtime
