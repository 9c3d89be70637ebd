// The decision log's on-disk format (docs/decision-log.md, "Format").
//
// A log is a directory of segments, decisions-<number>.log, numbered from 1 without gaps.
// A segment is a header followed by frames, one record per frame:
//
//   header  := magic "XACDLOG\n" (8) | version u32 | segment number u64 | masked crc32c u32
//   frame   := masked crc32c u32 | length u32 | type u8 | payload (length bytes)
//
// Integers are little-endian. The header's CRC covers its first 20 bytes; a frame's CRC
// covers its length, type and payload, so a damaged length is caught like damaged data.
// The first record of every segment is a checkpoint, so the newest segment alone holds the
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
// Larger lengths can only come from damage. The writer refuses to write a larger record
// (encode_frame), so the reader can treat one as impossible.
inline constexpr std::uint32_t kMaxPayloadSize = 64u << 20;

std::string segment_file_name(std::uint64_t number);
// The number in a segment file name; nullopt for any other file.
std::optional<std::uint64_t> segment_number_of(std::string_view file_name);

std::string encode_header(std::uint64_t segment_number);

// The frame of `record`. Throws std::invalid_argument if the reader would not return the
// very same record from it (a field over its decoding bound, a payload over
// kMaxPayloadSize): writing such a frame would turn a good log into a corrupt one.
std::string encode_frame(const LogRecord& record);

// The CRC a frame stores for these bytes (length, type and payload), masked.
std::uint32_t frame_crc(std::string_view length_type_and_payload);

}  // namespace xacoord::dlog
