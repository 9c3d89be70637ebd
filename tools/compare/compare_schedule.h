// The fault schedule of `xacoord compare`: one seeded list of slots, the same for every arm
// (docs/architectures/compare.md). An arm's run is cut into slots of equal length; each slot
// gets one fault at a seeded instant. Most faults are the same for every arm; "crash at the
// arm's own point" is a class of its own, turned into a crash point of that architecture
// (crash_points_of in common/crash_points.h) when the arm's schedule is made, so that xa
// crashes between its prepares where the saga crashes between its steps. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/chaos/fault_schedule.h"

namespace xacoord::compare {

// One slot of the shared schedule.
struct SlotFault {
  enum class Kind {
    kChaos,          // a fault of the chaos menu (tools/chaos/fault_schedule.h)
    kOwnCrashPoint,  // a crash at one of the arm's own crash points
    kKillBroker,     // the broker SIGKILLed and restarted (only the outbox arm uses one)
  };
  Kind kind = Kind::kChaos;
  chaos::Fault fault;      // kChaos: what; every kind: its `at` and `length`
  std::uint32_t draw = 0;  // kOwnCrashPoint: which point (modulo the arm's count)
};

// What an arm does in one slot.
struct ArmFault {
  SlotFault::Kind kind = SlotFault::Kind::kChaos;
  chaos::Fault fault;  // kChaos and kOwnCrashPoint (then a FaultKind::kCrashAt)
  std::string name() const;
};

// The menu: "all" or a comma list of crash (the arm's own points), crash:random, kill-db,
// kill-conn, pause-db, partition (each with :orders|:payments or both), kill-broker.
// Throws std::invalid_argument naming what is valid.
std::vector<SlotFault> parse_compare_menu(std::string_view spec);

// `slots` faults, each at a seeded instant inside its slot of `slot_length`; the whole menu
// once in a seeded order first, then drawn at random.
std::vector<SlotFault> make_compare_schedule(std::uint64_t seed, int slots,
                                             const std::vector<SlotFault>& menu,
                                             std::chrono::milliseconds slot_length);

// The schedule as one architecture runs it.
std::vector<ArmFault> schedule_for(const std::vector<SlotFault>& schedule,
                                   std::string_view architecture);

}  // namespace xacoord::compare
