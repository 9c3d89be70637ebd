// The shared fault schedule of `xacoord compare`: the same seed gives every arm the same
// faults at the same instants, and "crash" becomes each arm's own crash points.
#include "tools/compare/compare_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace xacoord::compare {
namespace {

using std::chrono::milliseconds;

TEST(CompareSchedule, AllHoldsEveryFaultKindAndTheBroker) {
  auto menu = parse_compare_menu("all");
  std::set<std::string> names;
  int own = 0, broker = 0;
  for (const auto& s : menu) {
    if (s.kind == SlotFault::Kind::kOwnCrashPoint) ++own;
    if (s.kind == SlotFault::Kind::kKillBroker) ++broker;
    if (s.kind == SlotFault::Kind::kChaos) names.insert(s.fault.name());
  }
  EXPECT_EQ(own, 2);
  EXPECT_EQ(broker, 1);
  for (const char* n : {"crash:random", "kill-db:orders", "kill-db:payments", "kill-conn:orders",
                        "pause-db:payments", "partition:orders", "partition:payments"})
    EXPECT_TRUE(names.contains(n)) << n;
}

TEST(CompareSchedule, RefusesWhatItDoesNotKnow) {
  EXPECT_THROW(parse_compare_menu("kill-db:inventory"), std::invalid_argument);
  EXPECT_THROW(parse_compare_menu("crash:before_prepare"), std::invalid_argument);
  EXPECT_THROW(parse_compare_menu(""), std::invalid_argument);
}

TEST(CompareSchedule, EveryArmGetsTheSameFaultsAtTheSameInstants) {
  auto menu = parse_compare_menu("all");
  auto schedule = make_compare_schedule(42, 12, menu, milliseconds(8000));
  ASSERT_EQ(schedule.size(), 12u);
  auto xa = schedule_for(schedule, "xa");
  auto saga = schedule_for(schedule, "saga");
  bool saw_own = false;
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    EXPECT_EQ(xa[i].fault.at, saga[i].fault.at) << i;
    EXPECT_EQ(xa[i].fault.length, saga[i].fault.length) << i;
    EXPECT_GE(xa[i].fault.at, milliseconds(800));
    EXPECT_LE(xa[i].fault.at + xa[i].fault.length, milliseconds(8000));
    if (schedule[i].kind != SlotFault::Kind::kOwnCrashPoint) {
      EXPECT_EQ(xa[i].name(), saga[i].name()) << i;
      continue;
    }
    saw_own = true;
    // Each arm crashes at a point of its own design.
    auto xa_points = crash_points_of("xa");
    auto saga_points = crash_points_of("saga");
    EXPECT_NE(std::find(xa_points.begin(), xa_points.end(), *xa[i].fault.point), xa_points.end());
    EXPECT_NE(std::find(saga_points.begin(), saga_points.end(), *saga[i].fault.point),
              saga_points.end());
    EXPECT_NE(xa[i].name(), saga[i].name());
  }
  EXPECT_TRUE(saw_own) << "the first slots go through the whole menu";
  // The same seed, the same schedule; another seed, another one.
  auto again = make_compare_schedule(42, 12, menu, milliseconds(8000));
  auto other = make_compare_schedule(43, 12, menu, milliseconds(8000));
  bool differs = false;
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    EXPECT_EQ(schedule_for(again, "xa")[i].name(), xa[i].name());
    EXPECT_EQ(again[i].fault.at, schedule[i].fault.at);
    differs = differs || other[i].fault.at != schedule[i].fault.at;
  }
  EXPECT_TRUE(differs);
}

TEST(CompareSchedule, AnArmsCrashesVisitDifferentPointsOfItsOwn) {
  auto schedule = make_compare_schedule(7, 6, parse_compare_menu("crash"), milliseconds(4000));
  for (const char* arch : {"xa", "saga"}) {
    std::set<std::string> names;
    for (const auto& f : schedule_for(schedule, arch))
      names.insert(f.name());
    EXPECT_EQ(names.size(), 6u) << arch;
  }
}

}  // namespace
}  // namespace xacoord::compare
