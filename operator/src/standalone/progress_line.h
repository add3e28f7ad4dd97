// What `schemashift apply` shows while it works: one line per phase and event, and the
// backfill's progress (rows, rate, ETA) as a line redrawn in place on a terminal, or, when the
// output is piped (a CI log), a plain line at most every few seconds.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "migration/status.h"

namespace schemashift::standalone {

// "12,000 / ~100,000 rows  5,000 rows/s  ETA 17s" (no ETA while the rate is unknown).
std::string backfill_progress_text(const migration::BackfillProgress& p);

class ProgressLine {
 public:
  ProgressLine(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}
  // A line of its own (the progress line, if drawn, is cleared first).
  void say(const std::string& line);
  void backfill(const std::string& table, const migration::BackfillProgress& p);
  void finish();  // ends a progress line drawn in place

 private:
  std::ostream& out_;
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_plain_{};
  std::int64_t last_rows_ = -1;
};

}  // namespace schemashift::standalone
