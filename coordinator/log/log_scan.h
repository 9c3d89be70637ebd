// Reading a whole log directory at start-up (and for `xacoord log verify|dump`): which
// segments exist, what they say, and what must be repaired before appending again.
//
// The rules (docs/decision-log.md, "Recovery"):
//  - Segments are numbered without gaps; a gap is a missing segment: corrupt.
//  - Every segment but the newest was synced in full before the next one was created, so
//    any damage in it is corrupt.
//  - In the newest segment, damage after which no good frame follows is a write torn by a
//    crash: the segment is cut back to its last good record. A newest segment that never
//    got its checkpoint (a crash while creating it) is removed.
//  - Damage followed by a good frame is damage in the middle: corrupt.
// Corruption stops the start: guessing here could lose a commit decision.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "coordinator/log/file_system.h"
#include "coordinator/log/segment_reader.h"
#include "protocol/decision_state.h"

namespace xacoord::dlog {

// "<path>: corrupt at offset <n>: <reason>".
class LogCorrupt : public std::runtime_error {
 public:
  LogCorrupt(const std::string& path, std::uint64_t offset, const std::string& reason);
  const std::string& path() const { return path_; }
  std::uint64_t offset() const { return offset_; }

 private:
  std::string path_;
  std::uint64_t offset_;
};

struct SegmentInfo {
  std::uint64_t number = 0;
  std::string path;
  std::uint64_t size = 0;
  SegmentScan scan;
};

struct Repair {
  enum class Kind { kTruncate, kRemove } kind;
  std::string path;
  std::uint64_t offset = 0;  // kTruncate: the new size
  std::string reason;
};

struct LogScan {
  std::vector<SegmentInfo> segments;  // in order, including any the repairs will remove
  std::vector<Repair> repairs;        // for a torn tail; empty for a clean log
  DecisionState state;                // every good record, folded in order
  std::uint64_t newest_number = 0;    // highest segment number present (0: none)
};

// Reads `dir` without changing it. Throws LogCorrupt, or std::system_error on I/O errors.
LogScan scan_log(FileSystem& fs, const std::string& dir);
// Applies the repairs of a scan, syncing the directory after removals.
void apply_repairs(FileSystem& fs, const std::string& dir, const std::vector<Repair>& repairs);

}  // namespace xacoord::dlog
