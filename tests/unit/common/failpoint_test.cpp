// Failpoints: an armed name exits the process on the hit it waits for, with the status and the
// line the crash tests look for; anything not armed, or an earlier hit, carries on.
#include "common/failpoint.h"

#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

namespace {

using schemashift::failpoint;
using schemashift::kFailpointExit;
using schemashift::reload_failpoints;

class Failpoints : public ::testing::Test {
 protected:
  void TearDown() override {
    ::unsetenv("SCHEMASHIFT_FAILPOINTS");
    reload_failpoints();
  }
  static void arm(const char* list) {
    ::setenv("SCHEMASHIFT_FAILPOINTS", list, 1);
    reload_failpoints();
  }
};

TEST_F(Failpoints, NothingArmedNothingHappens) {
  // The process gets past every point and ends on its own terms, not with the failpoint status.
  EXPECT_EXIT(
      {
        reload_failpoints();
        for (const char* p : {"expand.before-commit", "contract.after-commit", "barrier.passed"})
          failpoint(p);
        std::fputs("past every point\n", stderr);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "past every point");
}

TEST_F(Failpoints, AnArmedNameExitsWithItsStatusAndSaysWhere) {
  EXPECT_EXIT(
      {
        arm("flags.before-commit,contract.after-commit");
        failpoint("expand.after-commit");  // not armed
        failpoint("contract.after-commit");
      },
      ::testing::ExitedWithCode(kFailpointExit), "failpoint contract.after-commit \\(hit 1\\)");
}

TEST_F(Failpoints, AHitCountWaitsForThatHit) {
  EXPECT_EXIT(
      {
        arm("backfill.after-checkpoint@3");
        failpoint("backfill.after-checkpoint");
        failpoint("backfill.after-checkpoint");
        std::fputs("two hits passed\n", stderr);
        failpoint("backfill.after-checkpoint");
      },
      ::testing::ExitedWithCode(kFailpointExit), "two hits passed\n.*hit 3");
}

}  // namespace
