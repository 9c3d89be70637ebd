// The menu of faults chaos injects, and the schedule a seed turns into: which fault each
// run gets, when it strikes and for how long. Pure: the same seed gives the same schedule.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crash_points.h"

namespace xacoord::chaos {

enum class FaultKind {
  kCrashAt,          // the coordinator SIGKILLs itself at a crash point (contract §5)
  kCrashRandom,      // the coordinator is SIGKILLed at a random instant
  kKillDatabase,     // a MariaDB server is SIGKILLed, then restarted
  kKillConnections,  // KILL CONNECTION of the coordinator's sessions, a few times
  kPauseDatabase,    // a MariaDB server is SIGSTOPped past the timeouts, then resumed
  kPartition,        // packets to and from one server dropped past the timeouts, then healed
  kKillBroker,       // the Redis of the outbox architecture SIGKILLed, then restarted
};

struct Fault {
  FaultKind kind = FaultKind::kCrashRandom;
  std::optional<CrashPoint> point;  // kCrashAt
  std::string database;             // kKillDatabase, kPauseDatabase, kKillConnections, kPartition
  int nth = 1;                      // kCrashAt: fire at the n-th visit of the point
  std::chrono::milliseconds at{0};  // offset into the run
  std::chrono::milliseconds length{0};  // downtime, pause, or spacing of kills

  std::string name() const;  // e.g. crash:after_commit_first, kill-db:orders
};

// "all", or a comma list of: crash (every crash point of `architecture`: crash_points_of in
// common/crash_points.h), crash:<point>, crash:random, kill-db, kill-db:<orders|payments>,
// kill-conn, pause-db, pause-db:<orders|payments>, kill-broker (the outbox architecture's
// Redis; in "all" only for --architecture outbox). Throws std::invalid_argument naming what
// is valid.
std::vector<Fault> parse_menu(std::string_view spec, std::string_view architecture = "xa");

// One fault per run. The first runs go through the whole menu once (in a seeded order),
// so a short run covers every kind; later runs pick at random. Timings are seeded too.
std::vector<Fault> make_schedule(std::uint64_t seed, int runs, const std::vector<Fault>& menu,
                                 std::chrono::milliseconds run_duration);

}  // namespace xacoord::chaos
