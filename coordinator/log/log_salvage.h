// `xacoord log salvage DIR`: the way out of a corrupt decision log (docs/decision-log.md,
// "A damaged log: the way out").
//
// A corrupt log stops the coordinator, because starting from a guess could turn a logged
// commit decision into a rollback. Salvage is the operator's explicit choice to go on with
// what can still be read: every frame whose CRC checks and whose payload decodes, from
// every segment, also past damage. The decisions that were in the damaged bytes are lost;
// the operator checks the databases for them (`xacoord reconcile`).
//
// Salvage writes a new, clean segment holding a checkpoint of what was read, then moves
// every older segment, untouched, into DIR/damaged-<n>/. It never deletes anything, and it
// is safe to run again after a crash in the middle: the new segment is durable before any
// old one moves, and its checkpoint supersedes everything before it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/log/file_system.h"
#include "coordinator/log/log_scan.h"
#include "coordinator/log/segment_reader.h"
#include "protocol/decision_state.h"

namespace xacoord::dlog {

struct SalvagedSegmentReport {
  std::uint64_t number = 0;
  std::string path;
  std::uint64_t size = 0;
  std::size_t records = 0;
  std::vector<SkippedRange> skipped;
};

struct SalvagePlan {
  // Why salvage is needed; nullopt when the log is readable (clean, or only a torn tail
  // that the next start repairs by itself): then there is nothing to do.
  std::optional<Corruption> corruption;
  std::vector<SalvagedSegmentReport> segments;
  // Everything readable, folded in order, with the epoch the new segment carries: above
  // every epoch ever used (no epoch outgrows its segment's number), so transaction ids of
  // the next start cannot repeat old ones.
  DecisionState state;
  std::uint64_t new_segment_number = 0;
  std::string quarantine_dir;  // where the old segments go
  std::uint64_t skipped_bytes() const;
};

// Reads `dir` (without changing it) and works out what salvage would keep.
SalvagePlan plan_salvage(FileSystem& fs, const std::string& dir);
// Carries out a plan whose `corruption` is set. Throws std::runtime_error if another
// process holds the log, std::system_error on I/O errors (rerunning is safe).
void apply_salvage(FileSystem& fs, const std::string& dir, const SalvagePlan& plan);

}  // namespace xacoord::dlog
