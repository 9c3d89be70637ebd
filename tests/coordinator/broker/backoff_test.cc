#include "coordinator/broker/backoff.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace xacoord::broker {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, GrowsToItsCeilingWithJitterAndStartsOverAfterReset) {
  Backoff b(milliseconds(50), milliseconds(400), 7);
  milliseconds ceiling(50);
  for (int i = 0; i < 10; ++i) {
    milliseconds d = b.next();
    EXPECT_GE(d, ceiling / 2) << i;
    EXPECT_LE(d, ceiling) << i;
    ceiling = std::min(ceiling * 2, milliseconds(400));
  }
  b.reset();
  EXPECT_LE(b.next(), milliseconds(50));
}

TEST(BackoffTest, TwoClientsDoNotRetryInLockstep) {
  Backoff a(milliseconds(100), milliseconds(2000), 1);
  Backoff b(milliseconds(100), milliseconds(2000), 2);
  int same = 0;
  for (int i = 0; i < 8; ++i)
    same += a.next() == b.next();
  EXPECT_LT(same, 3);
}

TEST(BackoffTest, RefusesBoundsThatMakeNoSense) {
  EXPECT_THROW(Backoff(milliseconds(0), milliseconds(10), 1), std::invalid_argument);
  EXPECT_THROW(Backoff(milliseconds(20), milliseconds(10), 1), std::invalid_argument);
}

}  // namespace
}  // namespace xacoord::broker
