#include "runtime/work_queue.h"

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using schemashift::runtime::Clock;
using schemashift::runtime::WorkQueue;

TEST(WorkQueue, DuplicatesCollapseWhileWaiting) {
  WorkQueue q;
  q.add("ns/a");
  q.add("ns/a");
  q.add("ns/b");
  EXPECT_EQ(q.stats().depth, 2u);
  EXPECT_EQ(*q.get(), "ns/a");
  EXPECT_EQ(*q.get(), "ns/b");
}

TEST(WorkQueue, AKeyAddedWhileProcessingIsQueuedOnceDone) {
  WorkQueue q;
  q.add("ns/a");
  auto k = q.get();
  q.add("ns/a");
  q.add("ns/a");
  EXPECT_EQ(q.stats().depth, 0u) << "never handed to a second worker while processing";
  q.done(*k);
  EXPECT_EQ(q.stats().depth, 1u);
  EXPECT_EQ(*q.get(), "ns/a");
}

TEST(WorkQueue, NoKeyIsProcessedTwiceAtOnce) {
  WorkQueue q;
  std::atomic<int> concurrent{0}, max_concurrent{0}, processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto k = q.get()) {
        int c = ++concurrent;
        int m = max_concurrent.load();
        while (c > m && !max_concurrent.compare_exchange_weak(m, c)) {
        }
        std::this_thread::sleep_for(200us);
        --concurrent;
        ++processed;
        q.done(*k);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.add("ns/same");
  std::this_thread::sleep_for(50ms);
  q.shut_down();
  for (auto& t : workers) t.join();
  EXPECT_EQ(max_concurrent.load(), 1);
  EXPECT_GE(processed.load(), 1);
}

TEST(WorkQueue, DelayedKeysBecomeReadyAfterTheirDelayAndTheEarliestWins) {
  WorkQueue q;
  const auto t0 = Clock::now();
  q.add_after("ns/late", 300ms);
  q.add_after("ns/late", 40ms);  // earlier wins
  q.add_after("ns/late", 500ms);
  EXPECT_EQ(q.stats().delayed, 1u);
  auto k = q.get();
  const auto waited = Clock::now() - t0;
  EXPECT_EQ(*k, "ns/late");
  EXPECT_GE(waited, 40ms);
  EXPECT_LT(waited, 250ms);
}

TEST(WorkQueue, RateLimitedRetriesBackOffAndForgetResets) {
  WorkQueue q;
  q.add_rate_limited("ns/x");
  q.add_rate_limited("ns/x");
  EXPECT_EQ(q.retries("ns/x"), 2);
  EXPECT_EQ(q.stats().retries, 2u);
  EXPECT_TRUE(q.get().has_value());
  q.forget("ns/x");
  EXPECT_EQ(q.retries("ns/x"), 0);
}

TEST(WorkQueue, ShutDownReleasesWaitingWorkers) {
  WorkQueue q;
  std::thread t([&] { EXPECT_FALSE(q.get().has_value()); });
  std::this_thread::sleep_for(20ms);
  q.shut_down();
  t.join();
  q.add("ns/a");
  EXPECT_EQ(q.stats().depth, 0u) << "nothing is accepted after shut-down";
}

TEST(WorkQueue, ReportsHowLongAKeyWaited) {
  WorkQueue q;
  q.add("ns/a");
  std::this_thread::sleep_for(15ms);
  Clock::duration waited{};
  q.get(&waited);
  EXPECT_GE(waited, 15ms);
}

}  // namespace
