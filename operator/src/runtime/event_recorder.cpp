#include "runtime/event_recorder.h"

#include <cstdio>

#include "common/time.h"

namespace schemashift::runtime {

namespace {
constexpr auto kSeriesWindow = std::chrono::minutes(10);
constexpr auto kSeriesPatchInterval = std::chrono::seconds(30);
constexpr std::size_t kMaxNote = 1024;  // the API server refuses longer notes
}  // namespace

ObjectRef ObjectRef::of(const nlohmann::json& obj) {
  const auto& m = obj.at("metadata");
  return {obj.value("apiVersion", ""), obj.value("kind", ""), m.value("namespace", ""),
          m.value("name", ""),         m.value("uid", ""),    m.value("resourceVersion", "")};
}

nlohmann::json ObjectRef::to_json() const {
  nlohmann::json j = {{"apiVersion", api_version}, {"kind", kind}, {"name", name}};
  if (!ns.empty()) j["namespace"] = ns;
  if (!uid.empty()) j["uid"] = uid;
  if (!resource_version.empty()) j["resourceVersion"] = resource_version;
  return j;
}

EventRecorder::EventRecorder(kube::Client client, std::string controller, std::string instance)
    : client_(std::move(client)),
      controller_(std::move(controller)),
      instance_(std::move(instance)) {}

kube::Result<void> EventRecorder::record(const ObjectRef& regarding, const std::string& type,
                                         const std::string& reason, const std::string& action,
                                         const std::string& note_in) {
  const std::string note =
      note_in.size() > kMaxNote ? note_in.substr(0, kMaxNote - 3) + "..." : note_in;
  const std::string ns = regarding.ns.empty() ? "default" : regarding.ns;
  const std::string key = regarding.uid + "|" + regarding.ns + "/" + regarding.name + "|" + type +
                          "|" + reason + "|" + action + "|" + note;
  const auto now = std::chrono::steady_clock::now();
  const std::string now_micro = micro_time(std::chrono::system_clock::now());

  std::unique_lock lock(mu_);
  auto it = seen_.find(key);
  if (it != seen_.end() && now - it->second.last_observed < kSeriesWindow) {
    Seen& s = it->second;
    ++s.count;
    s.last_observed = now;
    if (now - s.last_patched < kSeriesPatchInterval) return {};  // folded; sent with a later patch
    s.last_patched = now;
    const std::string name = s.event_name;
    const int count = s.count;
    lock.unlock();
    auto r = client_.merge_patch(kube::resources::kEvent, ns, name,
                                 {{"series", {{"count", count}, {"lastObservedTime", now_micro}}}});
    if (!r) return fail(r.error());
    return {};
  }
  // A new event; names must be unique: the object's name and a nanosecond timestamp in hex.
  char suffix[32];
  std::snprintf(
      suffix, sizeof(suffix), "%llx",
      static_cast<unsigned long long>(std::chrono::system_clock::now().time_since_epoch().count()));
  const std::string name = regarding.name + "." + suffix;
  seen_[key] = Seen{name, 1, 1, now, now};
  // Forget series that have gone quiet, so the map stays small.
  for (auto s = seen_.begin(); s != seen_.end();) {
    s = now - s->second.last_observed > kSeriesWindow ? seen_.erase(s) : std::next(s);
  }
  lock.unlock();
  nlohmann::json ev = {{"apiVersion", "events.k8s.io/v1"},
                       {"kind", "Event"},
                       {"metadata", {{"name", name}, {"namespace", ns}}},
                       {"eventTime", now_micro},
                       {"reportingController", controller_},
                       {"reportingInstance", instance_},
                       {"action", action},
                       {"reason", reason},
                       {"note", note},
                       {"type", type},
                       {"regarding", regarding.to_json()}};
  auto r = client_.create(kube::resources::kEvent, ns, ev);
  if (!r) return fail(r.error());
  return {};
}

}  // namespace schemashift::runtime
