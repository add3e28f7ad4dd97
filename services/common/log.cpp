#include "log.h"

#include <chrono>
#include <ctime>

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace schemashift::svc {

namespace {
// A payload that starts with this byte carries {"msg":..., fields...} as JSON (from log_at).
constexpr char kFieldsMarker = '\x1f';

std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::system_clock::to_time_t(t);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), buf, static_cast<int>(ms));
  return out;
}

class JsonFormatter : public spdlog::formatter {
 public:
  JsonFormatter(std::string service, std::string instance)
      : service_(std::move(service)), instance_(std::move(instance)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    const std::string line =
        format_log_line(iso_time(msg.time), std::string_view(level.data(), level.size()), service_,
                        instance_, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(service_, instance_);
  }

 private:
  std::string service_, instance_;
};
}  // namespace

std::string format_log_line(std::string_view ts, std::string_view level, std::string_view service,
                            std::string_view instance, std::string_view payload) {
  nlohmann::json line = {
      {"ts", ts}, {"level", level}, {"service", service}, {"instance", instance}};
  if (!payload.empty() && payload.front() == kFieldsMarker) {
    auto fields = nlohmann::json::parse(payload.substr(1), nullptr, /*allow_exceptions=*/false);
    if (fields.is_object()) {
      for (auto& [k, v] : fields.items())
        if (!line.contains(k)) line[k] = v;
    } else {
      line["msg"] = payload.substr(1);
    }
  } else {
    line["msg"] = payload;
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void init_logging(const ServiceConfig& cfg) {
  auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(cfg.service, sink);
  logger->set_formatter(std::make_unique<JsonFormatter>(cfg.service, cfg.instance));
  logger->set_level(spdlog::level::from_str(cfg.log_level));
  logger->flush_on(spdlog::level::trace);  // a line is out before the process can be killed
  spdlog::set_default_logger(logger);
}

void log_at(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields) {
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  nlohmann::json payload = fields.is_object() ? fields : nlohmann::json::object();
  payload["msg"] = msg;
  spdlog::log(level, "{}{}", kFieldsMarker,
              payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace schemashift::svc
