#include "tools/compare/compare_schedule.h"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace xacoord::compare {

using std::chrono::milliseconds;

std::string ArmFault::name() const {
  if (kind == SlotFault::Kind::kKillBroker) return "kill-broker";
  return fault.name();
}

std::vector<SlotFault> parse_compare_menu(std::string_view spec) {
  std::vector<SlotFault> menu;
  auto add_chaos = [&menu](std::string_view item) {
    for (const auto& f : chaos::parse_menu(item, "xa")) {
      SlotFault s;
      s.kind = SlotFault::Kind::kChaos;
      s.fault = f;
      menu.push_back(s);
    }
  };
  auto add_kind = [&menu](SlotFault::Kind kind) {
    SlotFault s;
    s.kind = kind;
    menu.push_back(s);
  };
  std::string_view rest = spec;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string item(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item == "all") {
      // Two own crash points, so the arms' crash points weigh as much as each server fault.
      add_kind(SlotFault::Kind::kOwnCrashPoint);
      add_kind(SlotFault::Kind::kOwnCrashPoint);
      add_chaos("crash:random,kill-db,kill-conn,pause-db,partition");
      add_kind(SlotFault::Kind::kKillBroker);
    } else if (item == "crash") {
      add_kind(SlotFault::Kind::kOwnCrashPoint);
    } else if (item == "kill-broker") {
      add_kind(SlotFault::Kind::kKillBroker);
    } else if (item == "crash:random" || item.starts_with("kill-db") ||
               item.starts_with("kill-conn") || item.starts_with("pause-db") ||
               item.starts_with("partition")) {
      try {
        add_chaos(item);
      } catch (const std::invalid_argument&) {
        throw std::invalid_argument("unknown fault '" + item + "'");
      }
    } else {
      throw std::invalid_argument(
          "unknown fault '" + item +
          "': use all, crash (each arm's own crash points), crash:random, "
          "kill-db[:orders|payments], kill-conn[:db], pause-db[:db], partition[:db], kill-broker");
    }
  }
  if (menu.empty()) throw std::invalid_argument("the fault menu is empty");
  return menu;
}

std::vector<SlotFault> make_compare_schedule(std::uint64_t seed, int slots,
                                             const std::vector<SlotFault>& menu,
                                             milliseconds slot_length) {
  if (menu.empty()) throw std::invalid_argument("the fault menu is empty");
  std::mt19937_64 rng(seed);
  std::vector<SlotFault> order = menu;
  std::shuffle(order.begin(), order.end(), rng);
  auto between = [&rng](long lo, long hi) {
    return std::uniform_int_distribution<long>(lo, hi)(rng);
  };
  const long d = slot_length.count();
  std::vector<SlotFault> schedule;
  for (int i = 0; i < slots; ++i) {
    SlotFault s =
        i < static_cast<int>(order.size())
            ? order[static_cast<std::size_t>(i)]
            : menu[static_cast<std::size_t>(between(0, static_cast<long>(menu.size()) - 1))];
    // Early enough in the slot that the fault and its recovery end inside it.
    s.fault.at = milliseconds(between(d / 10, d / 3));
    s.draw = static_cast<std::uint32_t>(between(0, 1 << 30));
    switch (s.kind) {
      case SlotFault::Kind::kOwnCrashPoint:
        s.fault.nth = static_cast<int>(between(1, 3));
        break;
      case SlotFault::Kind::kKillBroker:
        s.fault.length = milliseconds(between(300, 1500));
        break;
      case SlotFault::Kind::kChaos:
        switch (s.fault.kind) {
          case chaos::FaultKind::kKillDatabase:
          case chaos::FaultKind::kKillBroker:  // compare draws its own (SlotFault), never here
            s.fault.length = milliseconds(between(300, 1500));
            break;
          // Longer than the coordinator's read timeout (2 s), so sessions time out.
          case chaos::FaultKind::kPauseDatabase:
          case chaos::FaultKind::kPartition:
            s.fault.length = milliseconds(between(2500, std::max(2500L, std::min(4000L, d / 2))));
            break;
          case chaos::FaultKind::kKillConnections:
            s.fault.length = milliseconds(between(200, 600));
            break;
          case chaos::FaultKind::kCrashRandom:
          case chaos::FaultKind::kCrashAt:
          case chaos::FaultKind::kKillNode:        // one coordinator per arm: never drawn
          case chaos::FaultKind::kKillEtcdMember:  // no etcd in compare's menu
            break;
        }
        break;
    }
    schedule.push_back(s);
  }
  return schedule;
}

std::vector<ArmFault> schedule_for(const std::vector<SlotFault>& schedule,
                                   std::string_view architecture) {
  auto points = crash_points_of(architecture);
  std::vector<ArmFault> out;
  // The k-th own crash of the schedule takes the point after the (k-1)-th one's, from a
  // seeded start: a run with several visits different points.
  std::size_t own = 0;
  for (const auto& s : schedule) {
    ArmFault a;
    a.kind = s.kind;
    a.fault = s.fault;
    if (s.kind == SlotFault::Kind::kOwnCrashPoint) {
      if (points.empty())
        throw std::invalid_argument(std::string(architecture) + " has no crash points");
      a.fault.kind = chaos::FaultKind::kCrashAt;
      const std::uint32_t base = schedule.front().draw;
      a.fault.point = points[(base + own++) % points.size()];
    }
    out.push_back(a);
  }
  return out;
}

}  // namespace xacoord::compare
