#include "cli/dashboard/migration_board.h"

#include <vector>

#include "cli/dashboard/migration_card.h"
#include "cli/plugin_commands.h"

namespace schemashift::cli::dashboard {

using nlohmann::json;
namespace res = kube::resources;

MigrationBoard::MigrationBoard(kube::Client client, std::string ns)
    : client_(std::move(client)), ns_(std::move(ns)) {}

MigrationBoard::~MigrationBoard() { stop(); }

void MigrationBoard::start() {
  migration_thread_ = std::thread(
      [this] { mirror(res::kSchemaMigration, migrations_, migration_watch_, migrations_synced_); });
  event_thread_ =
      std::thread([this] { mirror(res::kEvent, events_, event_watch_, events_synced_); });
}

void MigrationBoard::stop() {
  if (stopping_.exchange(true)) {
    if (migration_thread_.joinable()) migration_thread_.join();
    if (event_thread_.joinable()) event_thread_.join();
    return;
  }
  migration_watch_.cancel();
  event_watch_.cancel();
  cv_.notify_all();
  if (migration_thread_.joinable()) migration_thread_.join();
  if (event_thread_.joinable()) event_thread_.join();
}

void MigrationBoard::changed() {
  {
    std::lock_guard lock(mu_);
    ++version_;
  }
  cv_.notify_all();
}

void MigrationBoard::set_error(const std::string& what) {
  {
    std::lock_guard lock(mu_);
    if (error_ == what) return;
    error_ = what;
    ++version_;
  }
  cv_.notify_all();
}

void MigrationBoard::mirror(const kube::ResourceType& rt, std::map<std::string, json>& objects,
                            kube::StreamCanceller& canceller, bool& synced) {
  auto uid_of = [](const json& o) { return o["metadata"].value("uid", ""); };
  std::string rv;
  auto pause = [&] {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(2), [&] { return stopping_.load(); });
  };
  while (!stopping_) {
    if (rv.empty()) {
      auto list = client_.list_all(rt, ns_);
      if (!list) {
        set_error(describe_api_error(list.error()));
        pause();
        continue;
      }
      {
        std::lock_guard lock(mu_);
        objects.clear();
        for (auto& item : (*list)["items"]) {
          if (&rt == &res::kEvent &&
              item.value("/regarding/kind"_json_pointer, "") != "SchemaMigration")
            continue;
          const std::string uid = uid_of(item);  // before the move: `=` moves first
          objects[uid] = std::move(item);
        }
        synced = true;
        error_.clear();
      }
      rv = (*list)["metadata"].value("resourceVersion", "");
      changed();
    }
    auto end = client_.watch(
        rt, ns_, {.resource_version = rv, .timeout_seconds = 60},
        [&](kube::WatchEvent&& ev) {
          if (stopping_) return false;
          rv = ev.object["metadata"].value("resourceVersion", rv);
          if (ev.type == "BOOKMARK") return true;
          if (&rt == &res::kEvent &&
              ev.object.value("/regarding/kind"_json_pointer, "") != "SchemaMigration")
            return true;
          {
            std::lock_guard lock(mu_);
            if (ev.type == "DELETED")
              objects.erase(uid_of(ev.object));
            else {
              const std::string uid = uid_of(ev.object);
              objects[uid] = std::move(ev.object);
            }
          }
          changed();
          return true;
        },
        &canceller);
    if (stopping_) break;
    if (!end) {
      if (end.error().gone()) {
        rv.clear();
        continue;
      }
      set_error(describe_api_error(end.error()));
      rv.clear();
      pause();
    }
  }
}

std::uint64_t MigrationBoard::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

std::uint64_t MigrationBoard::wait_past(std::uint64_t seen,
                                        std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return version_ > seen || stopping_.load(); });
  return version_;
}

json MigrationBoard::snapshot() const {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::system_clock::now();
  std::map<std::string, json> events_by_migration;
  for (const auto& [_, e] : events_) {
    auto& list = events_by_migration[e.value("/regarding/uid"_json_pointer, "")];
    if (list.is_null()) list = json::array();
    list.push_back(e);
  }
  std::vector<json> ordered;
  for (const auto& [_, m] : migrations_) ordered.push_back(m);
  std::sort(ordered.begin(), ordered.end(), [](const json& a, const json& b) {
    return std::make_pair(a["metadata"].value("namespace", ""), a["metadata"].value("name", "")) <
           std::make_pair(b["metadata"].value("namespace", ""), b["metadata"].value("name", ""));
  });
  json cards = json::array();
  for (const auto& m : ordered) {
    auto it = events_by_migration.find(m["metadata"].value("uid", ""));
    cards.push_back(
        migration_card(m, it == events_by_migration.end() ? json::array() : it->second, now));
  }
  return {{"version", version_},
          {"namespace", ns_},
          {"synced", migrations_synced_ && events_synced_},
          {"error", error_},
          {"counters", board_counters(ordered)},
          {"migrations", cards}};
}

}  // namespace schemashift::cli::dashboard
