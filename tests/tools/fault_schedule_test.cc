#include "tools/chaos/fault_schedule.h"

#include <set>

#include <gtest/gtest.h>

namespace xacoord::chaos {
namespace {

using std::chrono::milliseconds;

TEST(FaultSchedule, TheSameSeedGivesTheSameSchedule) {
  auto menu = parse_menu("all");
  auto a = make_schedule(42, 40, menu, milliseconds(4000));
  auto b = make_schedule(42, 40, menu, milliseconds(4000));
  auto c = make_schedule(43, 40, menu, milliseconds(4000));
  ASSERT_EQ(a.size(), 40u);
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name(), b[i].name());
    EXPECT_EQ(a[i].at, b[i].at);
    EXPECT_EQ(a[i].nth, b[i].nth);
    differs = differs || a[i].name() != c[i].name() || a[i].at != c[i].at;
  }
  EXPECT_TRUE(differs) << "another seed should give another schedule";
}

TEST(FaultSchedule, TheFirstRunsCoverTheWholeMenu) {
  auto menu = parse_menu("crash,kill-db");
  ASSERT_EQ(menu.size(), 10u);  // eight crash points, two servers
  auto schedule = make_schedule(7, 10, menu, milliseconds(3000));
  std::set<std::string> names;
  for (const auto& f : schedule)
    names.insert(f.name());
  EXPECT_EQ(names.size(), 10u);
  for (auto p : kAllCrashPoints)
    EXPECT_TRUE(names.contains("crash:" + std::string(name_of(p))));
  EXPECT_TRUE(names.contains("kill-db:orders"));
  EXPECT_TRUE(names.contains("kill-db:payments"));
}

TEST(FaultSchedule, FaultsStrikeInsideTheRun) {
  for (const auto& f : make_schedule(1, 100, parse_menu("all"), milliseconds(4000))) {
    EXPECT_GE(f.at, milliseconds(400));
    EXPECT_LE(f.at, milliseconds(2000));
    if (f.kind == FaultKind::kCrashAt) {
      EXPECT_GE(f.nth, 1);
      EXPECT_LE(f.nth, 3);
    }
  }
}

TEST(FaultSchedule, UnknownFaultsAreRefused) {
  EXPECT_THROW(parse_menu("crash:nowhere"), std::invalid_argument);
  EXPECT_THROW(parse_menu("kill-db:inventory"), std::invalid_argument);
  EXPECT_THROW(parse_menu(""), std::invalid_argument);
  EXPECT_EQ(parse_menu("pause-db:orders,crash:random").size(), 2u);
}

// `crash` draws the points the architecture under test reaches; a named point of any
// architecture can be asked for.
TEST(FaultSchedule, CrashDrawsThePointsOfTheArchitectureUnderTest) {
  std::set<std::string> saga;
  for (const auto& f : parse_menu("crash", "saga"))
    saga.insert(f.name());
  ASSERT_EQ(saga.size(), std::size(kSagaCrashPoints));
  for (auto p : kSagaCrashPoints)
    EXPECT_TRUE(saga.contains("crash:" + std::string(name_of(p))));
  EXPECT_FALSE(saga.contains("crash:after_prepare_all"));
  // all = its crash points, crash:random, and kill-db, kill-conn, pause-db, partition on each
  // of the two databases.
  EXPECT_EQ(parse_menu("all", "saga").size(), std::size(kSagaCrashPoints) + 1 + 4 * 2);
  EXPECT_EQ(parse_menu("crash:saga_after_step1").size(), 1u);
  EXPECT_EQ(parse_menu("crash").size(), std::size(kAllCrashPoints)) << "xa by default";
}

// The outbox architecture's menu: its own crash points, and the broker it alone has.
TEST(FaultSchedule, OutboxAddsItsPointsAndKillBroker) {
  auto menu = parse_menu("all", "outbox");
  EXPECT_EQ(menu.size(), std::size(kOutboxCrashPoints) + 1 + 4 * 2 + 1);
  EXPECT_EQ(menu.back().name(), "kill-broker");
  for (const auto& f : parse_menu("all", "saga")) {
    EXPECT_NE(f.name(), "kill-broker");
  }
  EXPECT_EQ(parse_menu("kill-broker").at(0).kind, FaultKind::kKillBroker);
  EXPECT_EQ(parse_menu("crash:outbox_relay_after_publish", "outbox").size(), 1u);
  for (const auto& f : make_schedule(7, 40, menu, std::chrono::milliseconds(4000))) {
    if (f.kind == FaultKind::kKillBroker) {
      EXPECT_GE(f.length.count(), 300);
    }
  }
}

TEST(FaultSchedule, CrashDrawsTheTccPointsForTcc) {
  std::set<std::string> tcc;
  for (const auto& f : parse_menu("crash", "tcc"))
    tcc.insert(f.name());
  ASSERT_EQ(tcc.size(), std::size(kTccCrashPoints));
  for (auto p : kTccCrashPoints)
    EXPECT_TRUE(tcc.contains("crash:" + std::string(name_of(p))));
  EXPECT_FALSE(tcc.contains("crash:saga_after_step1"));
  EXPECT_EQ(parse_menu("crash:tcc_after_decision").size(), 1u);
}

// Several coordinators on etcd: `all` adds kill-node and kill-etcd-member, `crash` the
// takeover's own points; each needs the topology that can reach it, and says which.
TEST(FaultSchedule, SeveralCoordinatorsAddTheirFaultsOnlyWhereTheyCanStrike) {
  const Topology three{3, true};
  auto names = [](const std::vector<Fault>& menu) {
    std::set<std::string> set;
    for (const auto& f : menu)
      set.insert(f.name());
    return set;
  };
  auto all = names(parse_menu("all", "xa", three));
  EXPECT_TRUE(all.contains("kill-node"));
  EXPECT_TRUE(all.contains("kill-etcd-member"));
  EXPECT_TRUE(all.contains("crash:takeover_claimed"));
  EXPECT_TRUE(all.contains("crash:takeover_resolved"));
  EXPECT_EQ(parse_menu("all", "xa", three).size(),
            std::size(kAllCrashPoints) + std::size(kTakeoverCrashPoints) + 1 + 4 * 2 + 2);
  // One coordinator on etcd: a member can die, no node can be taken over.
  auto one_on_etcd = names(parse_menu("all", "xa", Topology{1, true}));
  EXPECT_TRUE(one_on_etcd.contains("kill-etcd-member"));
  EXPECT_FALSE(one_on_etcd.contains("kill-node"));
  EXPECT_FALSE(one_on_etcd.contains("crash:takeover_claimed"));
  EXPECT_FALSE(names(parse_menu("all")).contains("kill-etcd-member")) << "the file log: no etcd";
  EXPECT_THROW(parse_menu("kill-node"), std::invalid_argument);
  EXPECT_THROW(parse_menu("kill-etcd-member"), std::invalid_argument);
  EXPECT_THROW(parse_menu("crash:takeover_claimed", "xa", Topology{2, true}), std::invalid_argument)
      << "a third node must take over the taker";
  EXPECT_EQ(parse_menu("kill-node,kill-etcd-member", "xa", three).size(), 2u);
}

TEST(FaultSchedule, VictimsAreDrawnFromEveryNodeAndMember) {
  auto menu = parse_menu("kill-node,kill-etcd-member", "xa", Topology{3, true});
  std::set<int> nodes, members;
  for (const auto& f : make_schedule(9, 200, menu, milliseconds(4000), 3)) {
    nodes.insert(f.node);
    members.insert(f.member);
  }
  EXPECT_EQ(nodes, (std::set<int>{0, 1, 2}));
  EXPECT_EQ(members, (std::set<int>{1, 2, 3}));
  // The draw of victims leaves the rest of a seed's schedule as it was.
  auto one = make_schedule(9, 50, parse_menu("all"), milliseconds(4000), 1);
  auto three = make_schedule(9, 50, parse_menu("all"), milliseconds(4000), 3);
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].name(), three[i].name());
    EXPECT_EQ(one[i].at, three[i].at);
    EXPECT_EQ(one[i].node, 0);
  }
}

}  // namespace
}  // namespace xacoord::chaos
