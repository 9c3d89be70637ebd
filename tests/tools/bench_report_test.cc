// The report of `xacoord bench`: ratios only where both sides were measured, and the
// lock-order pair (docs/performance.md, "Fewer round trips") compared with each other.
#include "tools/bench/bench_report.h"

#include <gtest/gtest.h>

namespace xacoord::bench {
namespace {

BenchResult result(Mode mode, int concurrency, double throughput, double p50_ms) {
  BenchResult r;
  r.mode = mode;
  r.concurrency = concurrency;
  r.throughput = throughput;
  r.p50_ms = p50_ms;
  r.p99_ms = p50_ms * 2;
  return r;
}

TEST(BenchReport, TheLockOrderShapesAreComparedWithEachOtherOnly) {
  BenchReport report;
  report.results = {result(Mode::kXaFloorLocked, 1, 900, 1.0),
                    result(Mode::kXaFloorMerged, 1, 540, 1.5)};
  auto ratios = report.to_json()["ratios"];
  ASSERT_EQ(ratios.size(), 1u);
  EXPECT_DOUBLE_EQ(ratios[0]["merged_over_locked"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(ratios[0]["merged_p50_over_locked_p50"].get<double>(), 1.5);
  EXPECT_FALSE(ratios[0].contains("xacoord_over_floor"));
  const std::string table = report.to_table();
  EXPECT_NE(table.find("merged / locked"), std::string::npos);
  EXPECT_EQ(table.find("xacoord / floor"), std::string::npos) << "no floor ratio was measured";
}

TEST(BenchReport, XacoordIsDividedByTheFloorOfTheSameConcurrency) {
  BenchReport report;
  report.results = {result(Mode::kXacoord, 8, 1800, 4), result(Mode::kXaFloor, 8, 2400, 3),
                    result(Mode::kXacoord, 32, 2000, 15)};
  auto ratios = report.to_json()["ratios"];
  ASSERT_EQ(ratios.size(), 2u);
  EXPECT_DOUBLE_EQ(ratios[0]["xacoord_over_floor"].get<double>(), 0.75);
  EXPECT_FALSE(ratios[1].contains("xacoord_over_floor")) << "no floor at 32";
  EXPECT_EQ(report.to_table().find("merged / locked"), std::string::npos);
}

}  // namespace
}  // namespace xacoord::bench
