// Structured logs: one JSON object per line on stdout,
// {"ts","level","service","instance","msg", ...fields}. Plain spdlog calls come out the same
// way; log_* adds fields of its own.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "config.h"

namespace schemashift::svc {

// Makes the default spdlog logger write JSON lines for this service instance.
void init_logging(const ServiceConfig& cfg);

// One log line with `fields` beside the message (never pass a DSN with its password).
void log_at(spdlog::level::level_enum level, std::string_view msg,
            const nlohmann::json& fields = nlohmann::json::object());
inline void log_info(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  log_at(spdlog::level::info, msg, f);
}
inline void log_warn(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  log_at(spdlog::level::warn, msg, f);
}
inline void log_error(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  log_at(spdlog::level::err, msg, f);
}
inline void log_debug(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  log_at(spdlog::level::debug, msg, f);
}

// The JSON line for one record (for the formatter and its test).
std::string format_log_line(std::string_view ts, std::string_view level, std::string_view service,
                            std::string_view instance, std::string_view payload);

}  // namespace schemashift::svc
