#include "scenarios/runner/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace schemashift::scenarios {

namespace {
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Progress::Progress() : tty_(isatty(STDOUT_FILENO) == 1) {}

void Progress::update(const std::string& label, const std::string& phase,
                      const std::string& detail) {
  const std::string line = "[" + label + "] " + phase + (detail.empty() ? "" : "  " + detail);
  if (tty_) {
    std::string shown = line.size() > 150 ? line.substr(0, 150) : line;
    std::printf("\r\033[K%s", shown.c_str());
    std::fflush(stdout);
    open_ = true;
    return;
  }
  if (phase != last_phase_ || now_s() - last_print_ >= 5) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    last_phase_ = phase;
    last_print_ = now_s();
  }
}

void Progress::say(const std::string& line) {
  done();
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void Progress::done() {
  if (open_) std::printf("\n");
  open_ = false;
  last_phase_.clear();
}

}  // namespace schemashift::scenarios
