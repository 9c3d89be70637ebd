#include "coordinator/log/segment_reader.h"

#include "coordinator/log/log_format.h"
#include "protocol/bytes.h"
#include "protocol/crc32c.h"

namespace xacoord::dlog {
namespace {

enum class FrameCheck { kGood, kTruncatedHeader, kImpossibleLength, kTruncatedRecord, kBadCrc };

// Checks the frame at `offset` up to its CRC; does not decode the payload.
FrameCheck check_frame(std::string_view bytes, std::size_t offset) {
  std::size_t left = bytes.size() - offset;
  if (left < kFrameHeaderSize) return FrameCheck::kTruncatedHeader;
  const char* p = bytes.data() + offset;
  std::uint32_t length = bytes::get_fixed32(p + 4);
  if (length > kMaxPayloadSize) return FrameCheck::kImpossibleLength;
  if (length > left - kFrameHeaderSize) return FrameCheck::kTruncatedRecord;
  std::uint32_t expected = crc32c::unmask(bytes::get_fixed32(p));
  if (crc32c::extend(0, p + 4, 5 + length) != expected) return FrameCheck::kBadCrc;
  return FrameCheck::kGood;
}

const char* reason_of(FrameCheck c) {
  switch (c) {
    case FrameCheck::kTruncatedHeader:
      return "truncated frame header";
    case FrameCheck::kImpossibleLength:
      return "impossible length";
    case FrameCheck::kTruncatedRecord:
      return "truncated record";
    case FrameCheck::kBadCrc:
      return "bad crc";
    case FrameCheck::kGood:
      break;
  }
  return "good";
}

// Cheap filters first (a known type byte, a length that fits), the CRC last: garbage and
// zero-filled tails rarely get past the filters, so this stays near linear.
bool valid_frame_after(std::string_view bytes, std::size_t offset) {
  for (std::size_t q = offset + 1; q + kFrameHeaderSize <= bytes.size(); ++q) {
    auto type = static_cast<std::uint8_t>(bytes[q + 8]);
    if (type < static_cast<std::uint8_t>(RecordType::kCommitDecision) ||
        type > static_cast<std::uint8_t>(RecordType::kCheckpoint)) {
      continue;
    }
    if (check_frame(bytes, q) == FrameCheck::kGood) return true;
  }
  return false;
}

}  // namespace

SegmentScan scan_segment(std::string_view bytes) {
  SegmentScan scan;
  auto damaged = [&](std::uint64_t offset, std::string reason) {
    scan.damage = Damage{offset, std::move(reason), valid_frame_after(bytes, offset)};
    return scan;
  };
  if (bytes.size() < kHeaderSize) return damaged(0, "truncated segment header");
  if (bytes.substr(0, kMagic.size()) != kMagic) return damaged(0, "bad segment magic");
  if (crc32c::unmask(bytes::get_fixed32(bytes.data() + 20)) != crc32c::value(bytes.substr(0, 20))) {
    return damaged(0, "bad segment header crc");
  }
  if (bytes::get_fixed32(bytes.data() + 8) != kFormatVersion) {
    return damaged(
        0, "unsupported format version " + std::to_string(bytes::get_fixed32(bytes.data() + 8)));
  }
  scan.header_ok = true;
  scan.segment_number = bytes::get_fixed64(bytes.data() + 12);
  std::size_t offset = kHeaderSize;
  scan.valid_bytes = offset;
  while (offset < bytes.size()) {
    FrameCheck check = check_frame(bytes, offset);
    if (check != FrameCheck::kGood) return damaged(offset, reason_of(check));
    const char* p = bytes.data() + offset;
    std::uint32_t length = bytes::get_fixed32(p + 4);
    auto type = static_cast<std::uint8_t>(p[8]);
    auto record = decode_payload(type, std::string_view(p + kFrameHeaderSize, length));
    // A good CRC around a payload we cannot parse is not a torn write: it is a record of
    // an unknown version or a bug, and must never be skipped silently.
    if (!record) {
      scan.damage = Damage{offset, "undecodable record of type " + std::to_string(type), true};
      return scan;
    }
    scan.records.push_back({offset, std::move(*record)});
    offset += kFrameHeaderSize + length;
    scan.valid_bytes = offset;
  }
  return scan;
}

}  // namespace xacoord::dlog
