#include "common/time.h"

#include <cstdio>
#include <ctime>

namespace schemashift {

namespace {
// "2026-01-02T03:04:05" for the whole seconds of `t`.
std::string seconds_part(std::chrono::system_clock::time_point t) {
  std::time_t tt =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}
}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) { return seconds_part(t) + "Z"; }

std::string micro_time(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%06lldZ", static_cast<long long>(micros));
  return seconds_part(t) + frac;
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
  std::size_t i = static_cast<std::size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    long long scale = 100000;  // microseconds of the first digit
    long long micros = 0;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      micros += (text[i] - '0') * scale;
      scale /= 10;
    }
    t += std::chrono::microseconds(micros);
  }
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) return t;
  int oh = 0, om = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-') &&
      std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) == 2) {
    const auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    return text[i] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

}  // namespace schemashift
