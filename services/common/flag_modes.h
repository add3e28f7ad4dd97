// The four modes of the operator's flag protocol (old -> dual-write -> read-new -> new) and
// Flags, the service's view of them: kept up to date by the FlagAgent's apply callback and
// read by the request threads to pick their code paths.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "flag_agent.h"

namespace schemashift::svc {

enum class FlagMode { kOld, kDualWrite, kReadNew, kNew };

std::optional<FlagMode> parse_flag_mode(std::string_view);  // "old","dual-write","read-new","new"
std::string_view to_string(FlagMode);
bool writes_old(FlagMode);  // old, dual-write, read-new
bool writes_new(FlagMode);  // dual-write, read-new, new
bool reads_new(FlagMode);   // read-new, new

class Flags {
 public:
  // Decides whether `mode` can be served now; returns why not (e.g. "column
  // customers.given_name does not exist") to refuse it, nullopt to accept. May query the
  // database (it runs on the agent's thread).
  using Precondition = std::function<std::optional<std::string>(FlagMode)>;

  // Declares a key the service knows; its values must parse and pass `precondition`.
  void know(const std::string& key, Precondition precondition = {});
  FlagMode mode(const std::string& key) const;  // kOld when unset
  bool loaded() const;                          // the flags were read at least once
  void mark_loaded();
  // The FlagAgent's apply callback: false refuses the value (it is not acknowledged). A key the
  // service does not know is accepted and ignored.
  bool apply(const std::string& key, const std::string& value);
  std::vector<std::string> keys() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Precondition> known_;
  std::map<std::string, FlagMode> modes_;
  std::set<std::string> refusals_logged_;  // "key=value: reason", to log each refusal once
  bool loaded_ = false;
};

// The FlagAgent for this instance, applying into `flags` (marking them loaded after each read).
std::unique_ptr<FlagAgent> make_flag_agent(const ServiceConfig& cfg, Flags& flags);

}  // namespace schemashift::svc
