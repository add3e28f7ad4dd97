#include "runtime/informer.h"

#include <malloc.h>

#include <random>
#include <thread>

namespace schemashift::runtime {

namespace {

std::string rv_of(const Json& obj) {
  auto m = obj.find("metadata");
  if (m == obj.end()) return {};
  auto v = m->find("resourceVersion");
  return v != m->end() && v->is_string() ? v->get<std::string>() : std::string();
}

template <class Rep, class Period>
std::chrono::milliseconds jittered(std::chrono::duration<Rep, Period> d) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> f(1.0, 1.5);
  return std::chrono::milliseconds(
      static_cast<long long>(std::chrono::duration<double, std::milli>(d).count() * f(rng)));
}

}  // namespace

std::string object_key(const Json& obj) {
  const auto& m = obj.at("metadata");
  std::string name = m.value("name", "");
  std::string ns = m.value("namespace", "");
  return ns.empty() ? name : ns + "/" + name;
}

Informer::Informer(kube::Client client, kube::ResourceType type, InformerOptions opts)
    : client_(std::move(client)), type_(std::move(type)), opts_(std::move(opts)) {}

void Informer::add_handlers(InformerHandlers h) { handlers_.push_back(std::move(h)); }

void Informer::record_error(const kube::ApiError& e) {
  std::lock_guard lock(mu_);
  ++stats_.errors;
  stats_.last_error = e.describe();
}

void Informer::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return stopping_; });
}

Informer::Cached Informer::pack(const Json& obj) { return {rv_of(obj), obj.dump()}; }

bool Informer::relist() {
  // Page by page, so only one page is ever held parsed.
  kube::ListOptions lo{.label_selector = opts_.label_selector,
                       .field_selector = opts_.field_selector,
                       .limit = opts_.page_size};
  std::unordered_map<std::string, Cached> fresh;
  std::string list_rv;
  while (true) {
    auto page = client_.list(type_, opts_.ns, lo);
    if (!page) {
      record_error(page.error());
      return false;
    }
    for (auto& item : (*page)["items"]) {
      // List items carry no apiVersion/kind; handlers expect whole objects.
      item["apiVersion"] = type_.api_version();
      item["kind"] = type_.kind;
      Json obj = opts_.transform ? opts_.transform(std::move(item)) : std::move(item);
      fresh.emplace(object_key(obj), pack(obj));
    }
    const auto& meta = (*page)["metadata"];
    list_rv = meta.value("resourceVersion", list_rv);
    std::string cont = meta.value("continue", "");
    if (cont.empty()) break;
    lo.continue_token = cont;
  }
  // Diff by key; objects are parsed one at a time as handlers need them, so a relist of many
  // objects never holds them all parsed (or copied) at once.
  std::vector<std::string> added, updated;
  std::vector<std::pair<std::string, std::string>> deleted;  // key, last known object
  std::unordered_map<std::string, std::string> updated_old;
  {
    std::unique_lock lock(cache_mu_);
    for (auto& [key, obj] : cache_) {
      auto it = fresh.find(key);
      if (it == fresh.end()) {
        deleted.emplace_back(key, std::move(obj.json));
      } else if (it->second.resource_version != obj.resource_version) {
        updated.push_back(key);
        updated_old.emplace(key, std::move(obj.json));
      }
    }
    for (auto& [key, obj] : fresh) {
      if (!cache_.count(key)) added.push_back(key);
    }
    cache_ = std::move(fresh);
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.lists;
    rv_ = list_rv;
    stats_.resource_version = rv_;
  }
  auto current = [this](const std::string& key) -> std::optional<Json> {
    std::shared_lock lock(cache_mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) return std::nullopt;
    return Json::parse(it->second.json);
  };
  for (const auto& [key, json] : deleted) {
    Json o = Json::parse(json);
    for (const auto& h : handlers_) {
      if (h.on_delete) h.on_delete(o);
    }
  }
  for (const auto& key : updated) {
    auto n = current(key);
    if (!n) continue;
    Json o = Json::parse(updated_old[key]);
    for (const auto& h : handlers_) {
      if (h.on_update) h.on_update(o, *n);
    }
  }
  for (const auto& key : added) {
    auto o = current(key);
    if (!o) continue;
    for (const auto& h : handlers_) {
      if (h.on_add) h.on_add(*o);
    }
  }
  return true;
}

bool Informer::list_and_replace() {
  if (!relist()) return false;
  synced_ = true;
  malloc_trim(0);  // a list leaves much freed memory behind: give it back to the OS
  return true;
}

void Informer::apply(kube::WatchEvent&& ev) {
  const std::string rv = rv_of(ev.object);
  {
    std::lock_guard lock(mu_);
    ++stats_.events;
    if (!rv.empty()) rv_ = stats_.resource_version = rv;
  }
  if (ev.type == "BOOKMARK") return;
  Json obj = opts_.transform ? opts_.transform(std::move(ev.object)) : std::move(ev.object);
  const std::string key = object_key(obj);
  std::optional<Json> old;
  {
    std::unique_lock lock(cache_mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) old = Json::parse(it->second.json);
    if (ev.type == "DELETED") {
      cache_.erase(key);
    } else {
      cache_[key] = pack(obj);
    }
  }
  for (const auto& h : handlers_) {
    if (ev.type == "DELETED") {
      if (h.on_delete) h.on_delete(old ? *old : obj);
    } else if (old) {
      if (h.on_update) h.on_update(*old, obj);
    } else if (h.on_add) {
      h.on_add(obj);
    }
  }
}

void Informer::run() {
  auto backoff = opts_.initial_backoff;
  auto stopping = [&] {
    std::lock_guard lock(mu_);
    return stopping_;
  };
  std::mt19937 rng{std::random_device{}()};
  while (!stopping()) {
    if (!list_and_replace()) {
      sleep_for(jittered(backoff));
      backoff = std::min(backoff * 2, opts_.max_backoff);
      continue;
    }
    backoff = opts_.initial_backoff;
    while (!stopping()) {
      std::uniform_int_distribution<long long> t(opts_.min_watch_timeout.count(),
                                                 opts_.max_watch_timeout.count());
      kube::WatchOptions wo{.label_selector = opts_.label_selector,
                            .field_selector = opts_.field_selector,
                            .resource_version =
                                [&] {
                                  std::lock_guard lock(mu_);
                                  return rv_;
                                }(),
                            .allow_bookmarks = true,
                            .timeout_seconds = static_cast<int>(t(rng))};
      {
        std::lock_guard lock(mu_);
        ++stats_.watches;
      }
      auto w = client_.watch(
          type_, opts_.ns, wo,
          [&](kube::WatchEvent&& ev) {
            apply(std::move(ev));
            return true;
          },
          &canceller_);
      if (stopping()) return;
      if (w) {  // the server ended the watch: continue from the last resourceVersion
        backoff = opts_.initial_backoff;
        continue;
      }
      record_error(w.error());
      if (w.error().gone()) {  // history is gone: relist
        std::lock_guard lock(mu_);
        ++stats_.relists_after_gone;
        break;
      }
      sleep_for(jittered(backoff));
      backoff = std::min(backoff * 2, opts_.max_backoff);
    }
  }
}

void Informer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  canceller_.cancel();
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced_) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::optional<Json> Informer::get(const std::string& key) const {
  std::shared_lock lock(cache_mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return Json::parse(it->second.json);
}

std::vector<std::string> Informer::keys() const {
  std::shared_lock lock(cache_mu_);
  std::vector<std::string> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(k);
  return out;
}

std::size_t Informer::size() const {
  std::shared_lock lock(cache_mu_);
  return cache_.size();
}

void Informer::resync() {
  std::vector<Json> all;
  {
    std::shared_lock lock(cache_mu_);
    all.reserve(cache_.size());
    for (const auto& [k, v] : cache_) all.push_back(Json::parse(v.json));
  }
  for (const auto& h : handlers_) {
    if (!h.on_update) continue;
    for (const auto& o : all) h.on_update(o, o);
  }
}

InformerStats Informer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace schemashift::runtime
