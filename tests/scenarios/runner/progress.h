// The runner's live progress: one line that is redrawn in place on a terminal ("[03 safe]
// Backfilling  rows 12000/50000 9.8k/s ETA 4s | gates ... | load 40 req/s, 0 errors"), and on
// a pipe plain lines — one on every change of phase and one every five seconds.
#pragma once

#include <string>

namespace schemashift::scenarios {

class Progress {
 public:
  Progress();
  // The current state; `phase` changing always prints a line.
  void update(const std::string& label, const std::string& phase, const std::string& detail);
  // A line of its own (ends a redrawn line first).
  void say(const std::string& line);
  void done();  // ends the redrawn line

 private:
  bool tty_;
  bool open_ = false;
  std::string last_phase_;
  double last_print_ = -1e9;
};

}  // namespace schemashift::scenarios
