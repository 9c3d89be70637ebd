// Reads one segment's bytes into records, and says exactly where and how it is damaged.
// Pure (bytes in, records out): the libFuzzer target (fuzz/log) drives it directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/log_record.h"

namespace xacoord::dlog {

struct ScannedRecord {
  std::uint64_t offset;  // where its frame starts
  LogRecord record;
};

struct Damage {
  std::uint64_t offset;  // where the first bad frame (or the header) starts
  std::string reason;    // "bad crc", "impossible length", "truncated record", ...
  // Whether any complete frame with a good CRC starts after `offset`. If not, the damage
  // can be a write torn by a crash; if so, it is damage in the middle of the log.
  bool valid_frame_after = false;
};

struct SegmentScan {
  bool header_ok = false;
  std::uint64_t segment_number = 0;    // from the header, when header_ok
  std::vector<ScannedRecord> records;  // every record before the damage, in order
  std::uint64_t valid_bytes = 0;       // end of the last good record (or of the header)
  std::optional<Damage> damage;
};

// Reads frames from the header on and stops at the first damage. Every record returned
// sits in a frame whose CRC checked and whose payload decoded in full.
SegmentScan scan_segment(std::string_view bytes);

// What `xacoord log salvage` reads from a damaged segment: every frame with a good CRC and
// a payload that decodes, also those after damage (it skips bad bytes and looks for the
// next good frame, as LevelDB's reader does). Never used to start the coordinator.
struct SkippedRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;  // one past the last skipped byte
  std::string reason;
};

struct SalvagedSegment {
  bool header_ok = false;
  std::uint64_t segment_number = 0;  // from the header, when header_ok
  std::vector<ScannedRecord> records;
  std::vector<SkippedRange> skipped;  // in order; empty for an undamaged segment
};

SalvagedSegment salvage_segment(std::string_view bytes);

}  // namespace xacoord::dlog
