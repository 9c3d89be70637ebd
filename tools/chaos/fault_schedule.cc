#include "tools/chaos/fault_schedule.h"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace xacoord::chaos {

using std::chrono::milliseconds;

std::string Fault::name() const {
  switch (kind) {
    case FaultKind::kCrashAt:
      return "crash:" + std::string(name_of(*point));
    case FaultKind::kCrashRandom:
      return "crash:random";
    case FaultKind::kKillDatabase:
      return "kill-db:" + database;
    case FaultKind::kKillConnections:
      return "kill-conn:" + database;
    case FaultKind::kPauseDatabase:
      return "pause-db:" + database;
    case FaultKind::kPartition:
      return "partition:" + database;
    case FaultKind::kKillBroker:
      return "kill-broker";
    case FaultKind::kKillNode:
      return "kill-node";
    case FaultKind::kKillEtcdMember:
      return "kill-etcd-member";
  }
  return "unknown";
}

bool is_takeover_point(CrashPoint point) {
  for (auto p : kTakeoverCrashPoints)
    if (p == point) return true;
  return false;
}

std::vector<Fault> parse_menu(std::string_view spec, std::string_view architecture,
                              Topology topology) {
  std::vector<Fault> menu;
  const bool several = topology.nodes > 1;
  auto add_crash_points = [&menu, architecture, several] {
    for (auto p : crash_points_of(architecture))
      menu.push_back(Fault{FaultKind::kCrashAt, p});
    if (several) {
      for (auto p : kTakeoverCrashPoints)
        menu.push_back(Fault{FaultKind::kCrashAt, p});
    }
  };
  auto add_for_both = [&menu](FaultKind kind) {
    for (const char* db : {"orders", "payments"})
      menu.push_back(Fault{kind, std::nullopt, db});
  };
  std::string_view rest = spec;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string item(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto colon = item.find(':');
    std::string head = item.substr(0, colon);
    std::string arg = colon == std::string::npos ? "" : item.substr(colon + 1);
    bool db_ok = arg.empty() || arg == "orders" || arg == "payments";
    if (item == "all") {
      add_crash_points();
      menu.push_back(Fault{FaultKind::kCrashRandom});
      add_for_both(FaultKind::kKillDatabase);
      add_for_both(FaultKind::kKillConnections);
      add_for_both(FaultKind::kPauseDatabase);
      add_for_both(FaultKind::kPartition);
      // Only the outbox architecture has a broker to kill.
      if (architecture == "outbox") menu.push_back(Fault{FaultKind::kKillBroker});
      if (several) menu.push_back(Fault{FaultKind::kKillNode});
      if (topology.etcd) menu.push_back(Fault{FaultKind::kKillEtcdMember});
    } else if (item == "kill-node") {
      if (!several)
        throw std::invalid_argument("kill-node needs several coordinators: --nodes 2 or more");
      menu.push_back(Fault{FaultKind::kKillNode});
    } else if (item == "kill-etcd-member") {
      if (!topology.etcd)
        throw std::invalid_argument("kill-etcd-member needs --decision-store etcd");
      menu.push_back(Fault{FaultKind::kKillEtcdMember});
    } else if (item == "kill-broker") {
      menu.push_back(Fault{FaultKind::kKillBroker});
    } else if (item == "crash") {
      add_crash_points();
    } else if (item == "crash:random") {
      menu.push_back(Fault{FaultKind::kCrashRandom});
    } else if (head == "crash" && crash_point_from_name(arg)) {
      if (is_takeover_point(*crash_point_from_name(arg)) && topology.nodes < 3)
        throw std::invalid_argument(item +
                                    " is reached by a coordinator taking over another, and a "
                                    "third must take over the taker: --nodes 3 or more");
      menu.push_back(Fault{FaultKind::kCrashAt, crash_point_from_name(arg)});
    } else if ((head == "kill-db" || head == "kill-conn" || head == "pause-db" ||
                head == "partition") &&
               db_ok) {
      FaultKind kind = head == "kill-db"     ? FaultKind::kKillDatabase
                       : head == "kill-conn" ? FaultKind::kKillConnections
                       : head == "pause-db"  ? FaultKind::kPauseDatabase
                                             : FaultKind::kPartition;
      if (arg.empty()) {
        add_for_both(kind);
      } else {
        menu.push_back(Fault{kind, std::nullopt, arg});
      }
    } else {
      throw std::invalid_argument(
          "unknown fault '" + item +
          "': use all, crash, crash:<point>, crash:random, kill-db[:orders|payments], "
          "kill-conn[:orders|payments], pause-db[:orders|payments], partition[:orders|payments], "
          "kill-broker, kill-node, kill-etcd-member");
    }
  }
  if (menu.empty()) throw std::invalid_argument("the fault menu is empty");
  return menu;
}

std::vector<Fault> make_schedule(std::uint64_t seed, int runs, const std::vector<Fault>& menu,
                                 milliseconds run_duration, int nodes) {
  std::mt19937_64 rng(seed);
  std::mt19937_64 victims(seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<Fault> order = menu;
  std::shuffle(order.begin(), order.end(), rng);
  auto between = [&rng](long lo, long hi) {
    return std::uniform_int_distribution<long>(lo, hi)(rng);
  };
  std::vector<Fault> schedule;
  for (int i = 0; i < runs; ++i) {
    Fault f = i < static_cast<int>(order.size())
                  ? order[static_cast<std::size_t>(i)]
                  : menu[static_cast<std::size_t>(between(0, static_cast<long>(menu.size()) - 1))];
    long d = run_duration.count();
    f.at = milliseconds(between(d / 10, d / 2));
    // From a stream of their own, so a seed keeps the schedule it had before there were
    // several coordinators.
    f.node = std::uniform_int_distribution<int>(0, std::max(1, nodes) - 1)(victims);
    f.member = std::uniform_int_distribution<int>(1, 3)(victims);
    switch (f.kind) {
      case FaultKind::kCrashAt:
        f.nth = static_cast<int>(between(1, 3));
        break;
      case FaultKind::kKillDatabase:
      case FaultKind::kKillBroker:
      case FaultKind::kKillEtcdMember:
        f.length = milliseconds(between(300, 1500));
        break;
      // Longer than the coordinator's read timeout in chaos (2 s), so sessions time out.
      case FaultKind::kPauseDatabase:
      case FaultKind::kPartition:
        f.length = milliseconds(between(2500, 4000));
        break;
      case FaultKind::kKillConnections:
        f.length = milliseconds(between(200, 600));
        break;
      case FaultKind::kCrashRandom:
      case FaultKind::kKillNode:  // down until a survivor has taken it over (chaos_runner.cc)
        break;
    }
    schedule.push_back(f);
  }
  return schedule;
}

}  // namespace xacoord::chaos
