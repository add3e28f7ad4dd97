#include "standalone/progress_line.h"

#include <cmath>
#include <ostream>

namespace schemashift::standalone {

namespace {
std::string grouped(std::int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string s = n < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}
std::string seconds_text(double s) {
  const auto total = static_cast<std::int64_t>(std::ceil(s));
  if (total < 60) return std::to_string(total) + "s";
  if (total < 3600) return std::to_string(total / 60) + "m" + std::to_string(total % 60) + "s";
  return std::to_string(total / 3600) + "h" + std::to_string(total % 3600 / 60) + "m";
}
}  // namespace

std::string backfill_progress_text(const migration::BackfillProgress& p) {
  std::string s =
      grouped(p.rows_done) + " / ~" + grouped(std::max(p.rows_estimated, p.rows_done)) + " rows";
  if (p.rows_per_second > 0) {
    s += "  " + grouped(static_cast<std::int64_t>(p.rows_per_second)) + " rows/s";
    const auto left = std::max<std::int64_t>(0, p.rows_estimated - p.rows_done);
    if (!p.complete) s += "  ETA " + seconds_text(static_cast<double>(left) / p.rows_per_second);
  }
  if (p.complete) s += "  done";
  return s;
}

void ProgressLine::say(const std::string& line) {
  if (drawn_) out_ << "\r\033[K";
  drawn_ = false;
  out_ << line << "\n" << std::flush;
}

void ProgressLine::backfill(const std::string& table, const migration::BackfillProgress& p) {
  const std::string text = "backfill " + table + ": " + backfill_progress_text(p);
  if (terminal_) {
    out_ << "\r\033[K" << text << std::flush;
    drawn_ = true;
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (p.rows_done == last_rows_ || (now - last_plain_ < std::chrono::seconds(2) && !p.complete))
    return;
  last_plain_ = now;
  last_rows_ = p.rows_done;
  out_ << text << "\n" << std::flush;
}

void ProgressLine::finish() {
  if (drawn_) out_ << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace schemashift::standalone
