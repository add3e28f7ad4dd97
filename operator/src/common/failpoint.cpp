#include "common/failpoint.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace schemashift {

namespace {

struct Armed {
  std::string name;
  int fire_on = 1;
  int hits = 0;
};

std::mutex mu;
std::vector<Armed> armed;
std::atomic<bool> any{false};
std::once_flag loaded;

void load_locked() {
  armed.clear();
  const char* env = std::getenv("SCHEMASHIFT_FAILPOINTS");
  std::string list = env ? env : "";
  std::size_t start = 0;
  while (start < list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    Armed a;
    if (auto at = item.find('@'); at != std::string::npos) {
      a.fire_on = std::max(1, std::atoi(item.c_str() + at + 1));
      item.resize(at);
    }
    a.name = item;
    armed.push_back(a);
  }
  any = !armed.empty();
}

}  // namespace

void reload_failpoints() {
  std::lock_guard lock(mu);
  load_locked();
}

void failpoint(std::string_view name) {
  std::call_once(loaded, [] { reload_failpoints(); });
  if (!any.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mu);
  for (auto& a : armed) {
    if (a.name != name || ++a.hits != a.fire_on) continue;
    std::fprintf(stderr, "failpoint %.*s (hit %d): exiting with status %d\n",
                 static_cast<int>(name.size()), name.data(), a.hits, kFailpointExit);
    std::fflush(stderr);
    std::_Exit(kFailpointExit);
  }
}

}  // namespace schemashift
