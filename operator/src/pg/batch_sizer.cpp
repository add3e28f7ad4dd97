#include "pg/batch_sizer.h"

#include <algorithm>

namespace schemashift::pg {

BatchSizer::BatchSizer(std::chrono::milliseconds target, int min_batch, int max_batch, int initial)
    : target_(target),
      min_(min_batch),
      max_(max_batch),
      current_(std::clamp(initial, min_batch, max_batch)) {}

int BatchSizer::next(int size, std::chrono::microseconds took) {
  const double t = static_cast<double>(std::max<long long>(took.count(), 1));
  const double ratio = static_cast<double>(target_.count()) / t;    // > 1: room to grow
  const double factor = ratio >= 1 ? std::min(1.5, ratio) : ratio;  // slow: cut in proportion
  const double proposed = static_cast<double>(std::max(size, 1)) * factor;
  current_ = std::clamp(static_cast<int>(proposed), min_, max_);
  return current_;
}

int BatchSizer::halve() {
  current_ = std::max(min_, current_ / 2);
  return current_;
}

}  // namespace schemashift::pg
