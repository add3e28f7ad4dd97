#include "flag_agent.h"

#include <pqxx/pqxx>

#include "flags/flag_store.h"

namespace schemashift::svc {

using flags::ensure_flag_schema;
using flags::kChannel;

namespace {
using Clock = std::chrono::steady_clock;

class Wakeup : public pqxx::notification_receiver {
 public:
  Wakeup(pqxx::connection& c, bool& flag) : pqxx::notification_receiver(c, kChannel), flag_(flag) {}
  void operator()(const std::string&, int) override { flag_ = true; }

 private:
  bool& flag_;
};
}  // namespace

FlagAgent::FlagAgent(AgentOptions opts, Apply apply)
    : opts_(std::move(opts)), apply_(std::move(apply)) {}

FlagAgent::~FlagAgent() { stop(); }

void FlagAgent::start() {
  thread_ = std::thread([this] { loop(); });
}

void FlagAgent::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string FlagAgent::value(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = applied_.find(key);
  return it == applied_.end() ? std::string() : it->second.first;
}

void FlagAgent::loop() {
  while (!stopping_) {
    try {
      pqxx::connection conn(opts_.dsn);
      ensure_flag_schema(conn, /*claim=*/false);
      bool notified = true;  // read at once on (re)connect
      std::unique_ptr<Wakeup> wakeup;
      if (opts_.listen) wakeup = std::make_unique<Wakeup>(conn, notified);
      auto next_poll = Clock::now();
      auto next_beat = Clock::now();
      while (!stopping_) {
        const auto now = Clock::now();
        bool changed_acks = false;
        if (notified || now >= next_poll) {
          notified = false;
          next_poll = now + opts_.poll;
          pqxx::nontransaction nt(conn);
          auto rows = nt.exec("SELECT key, value, generation FROM schemashift.flags");
          for (const auto& row : rows) {
            const std::string key = row[0].as<std::string>(), value = row[1].as<std::string>();
            const auto gen = row[2].as<std::int64_t>();
            std::lock_guard lock(mu_);
            auto it = applied_.find(key);
            if (it != applied_.end() && it->second.second >= gen) continue;
            if (apply_ && !apply_(key, value)) continue;  // refused: keep acknowledging the old one
            applied_[key] = {value, gen};
            changed_acks = true;
          }
          if (opts_.on_read) opts_.on_read();
        }
        if (changed_acks || now >= next_beat) {
          next_beat = now + opts_.heartbeat;
          std::map<std::string, std::pair<std::string, std::int64_t>> snapshot;
          {
            std::lock_guard lock(mu_);
            snapshot = applied_;
          }
          pqxx::work tx(conn);
          for (const auto& [key, vg] : snapshot) {
            tx.exec_params(
                "INSERT INTO schemashift.flag_acks (service, instance, key, value, generation, "
                "heartbeat_at) "
                "VALUES ($1, $2, $3, $4, $5, pg_catalog.now()) "
                "ON CONFLICT (service, instance, key) DO UPDATE SET value = excluded.value, "
                "generation = excluded.generation, heartbeat_at = pg_catalog.now()",
                opts_.service, opts_.instance, key, vg.first, vg.second);
          }
          tx.commit();
        }
        // Wait for a notification, at most until the next poll or heartbeat (and 100 ms, to see
        // stop()).
        const auto until =
            std::min({next_poll, next_beat, Clock::now() + std::chrono::milliseconds(100)});
        const auto wait =
            std::chrono::duration_cast<std::chrono::microseconds>(until - Clock::now());
        if (wait.count() > 0) {
          conn.await_notification(static_cast<long>(wait.count() / 1000000),
                                  static_cast<long>(wait.count() % 1000000));
        }
      }
    } catch (const std::exception&) {
      // The database went away: reconnect shortly; flags are re-read on reconnect.
      for (int i = 0; i < 10 && !stopping_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace schemashift::svc
