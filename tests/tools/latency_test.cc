#include "tools/bench/latency.h"

#include <gtest/gtest.h>

namespace xacoord::bench {
namespace {

TEST(Latencies, NearestRankPercentiles) {
  Latencies l;
  for (int i = 100; i >= 1; --i)
    l.add(i);  // 1..100, added out of order
  EXPECT_EQ(l.quantile(0.50), 50);
  EXPECT_EQ(l.quantile(0.95), 95);
  EXPECT_EQ(l.quantile(0.99), 99);
  EXPECT_EQ(l.quantile(1.0), 100);
  EXPECT_EQ(l.quantile(0.0), 1);
}

TEST(Latencies, MergeAndEmpty) {
  Latencies a, b;
  EXPECT_EQ(a.quantile(0.5), 0);
  a.add(1);
  b.add(3);
  b.add(2);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.quantile(0.5), 2);
}

}  // namespace
}  // namespace xacoord::bench
