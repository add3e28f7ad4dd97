// BatchSizer: picks the next backfill batch size from how long the last one took, aiming at
// a target duration: it grows at most 1.5x a step (so a sudden slowdown costs little), cuts
// hard after a slow batch (in proportion, at once), halves when a gate holds the backfill, and
// stays within [min, max]. Pure.
#pragma once

#include <chrono>

namespace schemashift::pg {

class BatchSizer {
 public:
  BatchSizer(std::chrono::milliseconds target, int min_batch, int max_batch, int initial);
  // The last batch of `size` rows took `took`; returns the next size.
  int next(int size, std::chrono::microseconds took);
  int current() const { return current_; }
  // A gate held the backfill (lag built up): start again from half the size.
  int halve();

 private:
  std::chrono::microseconds target_;
  int min_, max_, current_;
};

}  // namespace schemashift::pg
