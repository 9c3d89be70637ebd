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
  kKillNode,         // one coordinator of several SIGKILLed and kept down: a survivor takes over
  kKillEtcdMember,   // one of the three etcd members SIGKILLed, then restarted
};

// What the faults run against: how many coordinators, and whether their decisions live in
// etcd (docs/scale-out.md). kill-node needs two coordinators at least, kill-etcd-member and
// the takeover's crash points need etcd.
struct Topology {
  int nodes = 1;
  bool etcd = false;
};

struct Fault {
  FaultKind kind = FaultKind::kCrashRandom;
  std::optional<CrashPoint> point;  // kCrashAt
  std::string database;             // kKillDatabase, kPauseDatabase, kKillConnections, kPartition
  int nth = 1;                      // kCrashAt: fire at the n-th visit of the point
  // The coordinator it strikes (0-based; kCrashAt, kCrashRandom, kKillNode), and the etcd
  // member (1-3; kKillEtcdMember). Drawn by make_schedule.
  int node = 0;
  int member = 1;
  std::chrono::milliseconds at{0};      // offset into the run
  std::chrono::milliseconds length{0};  // downtime, pause, or spacing of kills

  std::string name() const;  // e.g. crash:after_commit_first, kill-db:orders
};

// "all", or a comma list of: crash (every crash point of `architecture`: crash_points_of in
// common/crash_points.h), crash:<point>, crash:random, kill-db, kill-db:<orders|payments>,
// kill-conn, pause-db, pause-db:<orders|payments>, kill-broker (the outbox architecture's
// Redis; in "all" only for --architecture outbox), kill-node and kill-etcd-member (in "all"
// when the topology has them). With several coordinators `crash` adds the takeover's own
// points (crash:takeover_claimed, crash:takeover_resolved: the taker dies mid-takeover).
// Throws std::invalid_argument naming what is valid.
std::vector<Fault> parse_menu(std::string_view spec, std::string_view architecture = "xa",
                              Topology topology = {});

// Whether the point is reached only by a coordinator taking over another
// (kTakeoverCrashPoints): chaos kills another node first, so that it is.
bool is_takeover_point(CrashPoint point);

// One fault per run. The first runs go through the whole menu once (in a seeded order),
// so a short run covers every kind; later runs pick at random. Timings are seeded too.
// `nodes`: how many coordinators a victim is drawn from.
std::vector<Fault> make_schedule(std::uint64_t seed, int runs, const std::vector<Fault>& menu,
                                 std::chrono::milliseconds run_duration, int nodes = 1);

}  // namespace xacoord::chaos
