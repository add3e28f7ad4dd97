#include "kube/client.h"

#include "common/url.h"

namespace schemashift::kube {

namespace {

std::string with_sub(std::string path, const std::string& sub) {
  return sub.empty() ? path : path + "/" + sub;
}

class Query {
 public:
  Query& add(const std::string& k, const std::string& v) {
    if (!v.empty()) q_ += (q_.empty() ? "?" : "&") + k + "=" + url_encode(v);
    return *this;
  }
  std::string str() const { return q_; }

 private:
  std::string q_;
};

std::string name_of(const Json& obj) {
  if (auto m = obj.find("metadata"); m != obj.end() && m->is_object()) {
    if (auto n = m->find("name"); n != m->end() && n->is_string()) return n->get<std::string>();
  }
  return {};
}

}  // namespace

Result<Json> Client::call(Method m, const std::string& target, const Json* body,
                          const std::string& content_type) {
  auto r = transport_->send(m, target, body ? body->dump() : std::string(), content_type);
  if (!r) return fail(r.error());
  if (r->status < 200 || r->status >= 300) return fail(ApiError::from_response(r->status, r->body));
  if (r->body.empty()) return Json::object();
  auto j = Json::parse(r->body, nullptr, false);
  if (j.is_discarded()) {
    return fail(ApiError::transport(
        "DecodeError", "response to " + target + " is not JSON: " + r->body.substr(0, 120)));
  }
  return j;
}

Result<Json> Client::get(const ResourceType& rt, const std::string& ns, const std::string& name,
                         const std::string& subresource) {
  return call(Method::kGet, with_sub(rt.object_path(ns, name), subresource), nullptr, "");
}

Result<Json> Client::list(const ResourceType& rt, const std::string& ns, const ListOptions& o) {
  Query q;
  q.add("labelSelector", o.label_selector).add("fieldSelector", o.field_selector);
  if (o.limit > 0) q.add("limit", std::to_string(o.limit));
  q.add("continue", o.continue_token).add("resourceVersion", o.resource_version);
  return call(Method::kGet, rt.collection_path(ns) + q.str(), nullptr, "");
}

Result<Json> Client::list_all(const ResourceType& rt, const std::string& ns, ListOptions opts) {
  Json all;
  Json items = Json::array();
  while (true) {
    auto page = list(rt, ns, opts);
    if (!page) return page;
    for (auto& it : (*page)["items"]) items.push_back(std::move(it));
    std::string cont = page->value("/metadata/continue"_json_pointer, std::string());
    if (all.is_null()) all = std::move(*page);
    if (cont.empty()) break;
    opts.continue_token = cont;
    opts.resource_version.clear();  // not allowed together with continue
  }
  all["items"] = std::move(items);
  all["metadata"].erase("continue");
  return all;
}

Result<Json> Client::create(const ResourceType& rt, const std::string& ns, const Json& obj) {
  return call(Method::kPost, rt.collection_path(ns), &obj, "application/json");
}

Result<Json> Client::update(const ResourceType& rt, const std::string& ns, const Json& obj,
                            const std::string& subresource) {
  return call(Method::kPut, with_sub(rt.object_path(ns, name_of(obj)), subresource), &obj,
              "application/json");
}

Result<Json> Client::merge_patch(const ResourceType& rt, const std::string& ns,
                                 const std::string& name, const Json& patch,
                                 const std::string& subresource) {
  return call(Method::kPatch, with_sub(rt.object_path(ns, name), subresource), &patch,
              "application/merge-patch+json");
}

Result<Json> Client::json_patch(const ResourceType& rt, const std::string& ns,
                                const std::string& name, const Json& ops,
                                const std::string& subresource) {
  return call(Method::kPatch, with_sub(rt.object_path(ns, name), subresource), &ops,
              "application/json-patch+json");
}

Result<Json> Client::apply(const ResourceType& rt, const std::string& ns, const Json& obj,
                           const ApplyOptions& o, const std::string& subresource) {
  Query q;
  q.add("fieldManager", o.field_manager);
  if (o.force) q.add("force", "true");
  return call(Method::kPatch, with_sub(rt.object_path(ns, name_of(obj)), subresource) + q.str(),
              &obj, "application/apply-patch+yaml");
}

Result<void> Client::remove(const ResourceType& rt, const std::string& ns, const std::string& name,
                            const DeleteOptions& o) {
  Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!o.precondition_uid.empty()) body["preconditions"]["uid"] = o.precondition_uid;
  if (!o.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = o.precondition_resource_version;
  }
  if (!o.propagation_policy.empty()) body["propagationPolicy"] = o.propagation_policy;
  auto r = call(Method::kDelete, rt.object_path(ns, name), &body, "application/json");
  if (!r) return fail(r.error());
  return {};
}

Result<Json> Client::modify_status(const ResourceType& rt, const std::string& ns,
                                   const std::string& name,
                                   const std::function<bool(Json&)>& mutate, int attempts) {
  ApiError last;
  for (int i = 0; i < attempts; ++i) {
    auto cur = get(rt, ns, name);
    if (!cur) return cur;
    if (!mutate(*cur)) return cur;
    auto w = update_status(rt, ns, *cur);
    if (w || !w.error().conflict()) return w;
    last = w.error();  // someone wrote in between: read again and re-apply
  }
  return fail(last);
}

Result<WatchEnd> Client::watch(const ResourceType& rt, const std::string& ns, const WatchOptions& o,
                               const std::function<bool(WatchEvent&&)>& on_event,
                               StreamCanceller* canceller) {
  Query q;
  q.add("watch", "true")
      .add("labelSelector", o.label_selector)
      .add("fieldSelector", o.field_selector);
  q.add("resourceVersion", o.resource_version);
  if (o.allow_bookmarks) q.add("allowWatchBookmarks", "true");
  if (o.timeout_seconds > 0) q.add("timeoutSeconds", std::to_string(o.timeout_seconds));

  WatchEnd end;
  end.resource_version = o.resource_version;
  std::optional<ApiError> in_stream_error;
  WatchDecoder decoder;
  auto handler = [&](WatchEvent&& ev) {
    if (ev.type == "ERROR") {
      in_stream_error = ApiError::from_status_object(ev.object);
      return false;
    }
    if (auto rv = ev.object.find("metadata"); rv != ev.object.end()) {
      if (auto v = rv->find("resourceVersion"); v != rv->end() && v->is_string())
        end.resource_version = *v;
    }
    ++end.events;
    return on_event(std::move(ev));
  };
  std::string error_body;
  // The read timeout outlasts the server-side timeout so a quiet watch is not cut short.
  const auto read_timeout =
      std::chrono::seconds(o.timeout_seconds > 0 ? o.timeout_seconds + 30 : 3600);
  auto status = transport_->stream(
      rt.collection_path(ns) + q.str(), read_timeout,
      [&](std::string_view chunk) { return decoder.feed(chunk, handler); }, &error_body, canceller);
  if (in_stream_error) return fail(*in_stream_error);
  if (!status) return fail(status.error());
  if (*status < 200 || *status >= 300) return fail(ApiError::from_response(*status, error_body));
  if (decoder.stopped()) {
    end.stopped_by_handler = true;
    return end;
  }
  if (!decoder.finish()) return fail(decoder.error());
  return end;
}

}  // namespace schemashift::kube
