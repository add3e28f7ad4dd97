// EventRecorder: events.k8s.io/v1 Events about objects (phase transitions, gate verdicts).
// Repeats of the same event (same object, type, reason, action and note) within ten minutes
// are folded into the first one's series (count, last observed time), patched at most every
// 30 seconds, so a flapping gate cannot spam the API server.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "kube/client.h"

namespace schemashift::runtime {

struct ObjectRef {
  std::string api_version, kind, ns, name, uid, resource_version;
  static ObjectRef of(const nlohmann::json& obj);
  nlohmann::json to_json() const;
};

class EventRecorder {
 public:
  EventRecorder(kube::Client client, std::string controller, std::string instance);

  // type: "Normal" or "Warning"; reason: CamelCase (e.g. "PhaseChanged"); note: for people.
  kube::Result<void> record(const ObjectRef& regarding, const std::string& type,
                            const std::string& reason, const std::string& action,
                            const std::string& note);

 private:
  struct Seen {
    std::string event_name;
    int count = 0;
    int patched_count = 0;
    std::chrono::steady_clock::time_point last_observed, last_patched;
  };
  kube::Client client_;
  std::string controller_, instance_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;
};

}  // namespace schemashift::runtime
