// The decision log's on-disk format (docs/decision-log.md).
//
// A log is a directory of segments, decisions-<number>.log, numbered from 1 without gaps.
// A segment is a header followed by records:
//
//   header  := magic "XACDLOG\n" (8) | version u32 | segment number u64 | masked crc32c u32
//   record  := masked crc32c u32 | length u32 | type u8 | payload (length bytes)
//
// Integers are little-endian. A record's CRC covers its length, type and payload. The
// first record of every segment is a checkpoint, so the newest segment alone holds the
// whole state and older segments can be removed once it is durable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/log_record.h"

namespace xacoord::dlog {

inline constexpr std::string_view kMagic = "XACDLOG\n";
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kHeaderSize = 8 + 4 + 8 + 4;
inline constexpr std::size_t kFrameHeaderSize = 4 + 4 + 1;
// Larger lengths can only come from damage: no record is anywhere near this size.
inline constexpr std::uint32_t kMaxPayloadSize = 64u << 20;

std::string segment_file_name(std::uint64_t number);
// The number in a segment file name; nullopt for any other file.
std::optional<std::uint64_t> segment_number_of(std::string_view file_name);

std::string encode_header(std::uint64_t segment_number);
// Appends one framed record to `out`.
void append_frame(std::string& out, const LogRecord& record);

}  // namespace xacoord::dlog
