// Client: typed REST calls against the Kubernetes API (get, list with paging and selectors,
// create, update, merge/JSON patch, server-side apply, delete with preconditions, the
// /status subresource) and watch. Objects travel as nlohmann::json; failures as ApiError.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/api_error.h"
#include "kube/resource.h"
#include "kube/transport.h"
#include "kube/watch_decoder.h"

namespace schemashift::kube {

using Json = nlohmann::json;

struct ListOptions {
  std::string label_selector{};
  std::string field_selector{};
  int limit = 0;  // page size; 0 = server default (all)
  std::string continue_token{};
  std::string resource_version{};
};

struct WatchOptions {
  std::string label_selector{};
  std::string field_selector{};
  std::string resource_version{};
  bool allow_bookmarks = true;
  int timeout_seconds = 0;  // 0: the server's default
};

struct DeleteOptions {
  std::string precondition_uid{};
  std::string precondition_resource_version{};
  std::string propagation_policy{};  // Foreground, Background, Orphan; empty = server default
};

struct ApplyOptions {
  std::string field_manager = "schemashift";
  bool force = false;
};

// How a watch ended when it ended cleanly (the server closed it, or the handler stopped it).
struct WatchEnd {
  std::string resource_version;  // last seen (from objects or bookmarks)
  std::size_t events = 0;
  bool stopped_by_handler = false;
};

class Client {
 public:
  explicit Client(std::shared_ptr<Transport> transport) : transport_(std::move(transport)) {}

  Result<Json> get(const ResourceType& rt, const std::string& ns, const std::string& name,
                   const std::string& subresource = {});
  // One page; the returned List carries metadata.continue when there is more.
  Result<Json> list(const ResourceType& rt, const std::string& ns, const ListOptions& opts = {});
  // Every page, following metadata.continue; items concatenated, resourceVersion of the list.
  Result<Json> list_all(const ResourceType& rt, const std::string& ns, ListOptions opts = {});
  Result<Json> create(const ResourceType& rt, const std::string& ns, const Json& obj);
  Result<Json> update(const ResourceType& rt, const std::string& ns, const Json& obj,
                      const std::string& subresource = {});
  Result<Json> update_status(const ResourceType& rt, const std::string& ns, const Json& obj) {
    return update(rt, ns, obj, "status");
  }
  Result<Json> merge_patch(const ResourceType& rt, const std::string& ns, const std::string& name,
                           const Json& patch, const std::string& subresource = {});
  Result<Json> json_patch(const ResourceType& rt, const std::string& ns, const std::string& name,
                          const Json& ops, const std::string& subresource = {});
  Result<Json> apply(const ResourceType& rt, const std::string& ns, const Json& obj,
                     const ApplyOptions& opts = {}, const std::string& subresource = {});
  Result<void> remove(const ResourceType& rt, const std::string& ns, const std::string& name,
                      const DeleteOptions& opts = {});

  // Reads the object, lets `mutate` change its status, writes /status; on 409 Conflict
  // re-reads and tries again (up to `attempts`). `mutate` returning false skips the write.
  Result<Json> modify_status(const ResourceType& rt, const std::string& ns, const std::string& name,
                             const std::function<bool(Json&)>& mutate, int attempts = 5);

  // Watches until the server closes the stream (clean end), `on_event` returns false, or an
  // error: an in-stream ERROR event comes back as its ApiError (410 Gone means relist).
  Result<WatchEnd> watch(const ResourceType& rt, const std::string& ns, const WatchOptions& opts,
                         const std::function<bool(WatchEvent&&)>& on_event,
                         StreamCanceller* canceller = nullptr);

 private:
  Result<Json> call(Method m, const std::string& target, const Json* body,
                    const std::string& content_type);
  std::shared_ptr<Transport> transport_;
};

}  // namespace schemashift::kube
