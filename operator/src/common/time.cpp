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

}  // namespace schemashift
