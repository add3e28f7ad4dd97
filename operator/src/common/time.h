// Timestamps as the Kubernetes API writes them, in UTC: metav1.Time (RFC 3339, seconds) and
// metav1.MicroTime (microseconds, for Leases and events.k8s.io Events).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace schemashift {

// "2026-01-02T03:04:05Z"
std::string rfc3339(std::chrono::system_clock::time_point t);
inline std::string rfc3339_now() { return rfc3339(std::chrono::system_clock::now()); }

// "2026-01-02T03:04:05.123456Z"
std::string micro_time(std::chrono::system_clock::time_point t);

// Reads either form back (any fraction of a second; "Z" or a numeric offset). Nothing for a
// string that is not such a timestamp.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

}  // namespace schemashift
