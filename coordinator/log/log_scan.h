// Reading a whole log directory at start-up (and for `xacoord log verify|dump`): which
// segments exist, what they say, and what must be repaired before appending again.
//
// The rules (docs/decision-log.md, "Recovery"), in the order they are checked:
//  1. Segments are numbered without gaps; a gap is a missing segment: corrupt.
//  2. A segment whose header is good must name its own number: otherwise corrupt.
//  3. Every segment but the newest was synced in full before the next one was created, so
//     any damage in it is corrupt.
//  4. In the newest segment, damage followed by a good frame is damage in the middle:
//     corrupt. Damage after which no good frame follows is a write torn by a crash: the
//     segment is cut back to its last good record (and synced) before anything else.
//  5. Every segment begins with a checkpoint. The newest one may hold no record at all,
//     when a crash hit while it was being created: it is removed, as long as the segment
//     before it is still there (or it is segment 1). Alone and numbered above 1, it was
//     durable once (its predecessor is removed only after that): corrupt.
// Corruption stops the start: guessing here could lose a commit decision.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "coordinator/log/file_system.h"
#include "coordinator/log/segment_reader.h"
#include "protocol/decision_state.h"

namespace xacoord::dlog {

struct Corruption {
  std::string path;
  std::uint64_t offset = 0;
  std::string reason;
  // "<path>: corrupt at offset <n>: <reason>".
  std::string describe() const;
};

class LogCorrupt : public std::runtime_error {
 public:
  explicit LogCorrupt(Corruption corruption);
  LogCorrupt(const std::string& path, std::uint64_t offset, const std::string& reason)
      : LogCorrupt(Corruption{path, offset, reason}) {}
  const std::string& path() const { return corruption_.path; }
  std::uint64_t offset() const { return corruption_.offset; }
  const Corruption& corruption() const { return corruption_; }

 private:
  Corruption corruption_;
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
  // The number the next segment gets: one above the newest segment that survives the
  // repairs, so removing a half-created segment never leaves a gap behind.
  std::uint64_t next_number = 1;
  // Set by inspect_log only (scan_log throws instead): the first rule the log breaks.
  // `state` is then incomplete and must not be used to recover.
  std::optional<Corruption> corruption;
};

// Reads `dir` without changing it. Throws LogCorrupt, or std::system_error on I/O errors.
LogScan scan_log(FileSystem& fs, const std::string& dir);
// The same reading, for tools: reads every segment even past corruption, and reports the
// first corruption in the result instead of throwing it.
LogScan inspect_log(FileSystem& fs, const std::string& dir);
// Applies the repairs of a scan: truncations are synced by the file system; removals are
// made durable with a sync of the directory.
void apply_repairs(FileSystem& fs, const std::string& dir, const std::vector<Repair>& repairs);

}  // namespace xacoord::dlog
