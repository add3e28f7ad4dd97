// Subprocess: a child process for tests that start and kill programs (operators, contenders),
// with its output captured to a file that can be read while it runs.
#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

namespace schemashift::testing {

class Subprocess {
 public:
  explicit Subprocess(const std::vector<std::string>& argv,
                      const std::vector<std::string>& extra_env = {});
  ~Subprocess();  // SIGKILLs the child if it still runs
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for the child to exit; returns its exit code, or -signal if a signal ended it.
  int wait();
  bool running();
  std::string output() const;  // stdout and stderr so far

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace schemashift::testing
