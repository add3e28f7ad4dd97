#include "flag_modes.h"

#include "log.h"

namespace schemashift::svc {

std::optional<FlagMode> parse_flag_mode(std::string_view v) {
  if (v == "old") return FlagMode::kOld;
  if (v == "dual-write") return FlagMode::kDualWrite;
  if (v == "read-new") return FlagMode::kReadNew;
  if (v == "new") return FlagMode::kNew;
  return std::nullopt;
}

std::string_view to_string(FlagMode m) {
  switch (m) {
    case FlagMode::kOld:
      return "old";
    case FlagMode::kDualWrite:
      return "dual-write";
    case FlagMode::kReadNew:
      return "read-new";
    case FlagMode::kNew:
      return "new";
  }
  return "old";
}

bool writes_old(FlagMode m) { return m != FlagMode::kNew; }
bool writes_new(FlagMode m) { return m != FlagMode::kOld; }
bool reads_new(FlagMode m) { return m == FlagMode::kReadNew || m == FlagMode::kNew; }

void Flags::know(const std::string& key, Precondition precondition) {
  std::lock_guard lock(mu_);
  known_[key] = std::move(precondition);
}

FlagMode Flags::mode(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = modes_.find(key);
  return it == modes_.end() ? FlagMode::kOld : it->second;
}

bool Flags::loaded() const {
  std::lock_guard lock(mu_);
  return loaded_;
}

void Flags::mark_loaded() {
  std::lock_guard lock(mu_);
  loaded_ = true;
}

std::vector<std::string> Flags::keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, _] : known_) out.push_back(k);
  return out;
}

bool Flags::apply(const std::string& key, const std::string& value) {
  Precondition pre;
  {
    std::lock_guard lock(mu_);
    auto it = known_.find(key);
    if (it == known_.end()) return true;
    pre = it->second;
  }
  std::optional<std::string> refusal;
  const auto mode = parse_flag_mode(value);
  if (!mode) {
    refusal = "not a flag mode (old, dual-write, read-new, new)";
  } else if (pre) {
    try {
      refusal = pre(*mode);
    } catch (const std::exception&) {
      refusal = "its precondition could not be checked (database unavailable)";
    }
  }
  std::lock_guard lock(mu_);
  if (refusal) {
    if (refusals_logged_.insert(key + "=" + value + ": " + *refusal).second)
      log_warn("flag value refused", {{"key", key}, {"value", value}, {"reason", *refusal}});
    return false;
  }
  const auto before = modes_.find(key);
  if (before == modes_.end() || before->second != *mode)
    log_info("flag applied", {{"key", key}, {"mode", std::string(to_string(*mode))}});
  modes_[key] = *mode;
  return true;
}

std::unique_ptr<FlagAgent> make_flag_agent(const ServiceConfig& cfg, Flags& flags) {
  AgentOptions opts{.dsn = cfg.database_dsn,
                    .service = cfg.service,
                    .instance = cfg.instance,
                    .poll = cfg.flag_poll,
                    .heartbeat = std::chrono::milliseconds(1000),
                    .listen = true,
                    .on_read = [&flags] { flags.mark_loaded(); }};
  return std::make_unique<FlagAgent>(std::move(opts),
                                     [&flags](const std::string& key, const std::string& value) {
                                       return flags.apply(key, value);
                                     });
}

}  // namespace schemashift::svc
