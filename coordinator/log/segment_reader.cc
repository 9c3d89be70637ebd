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

bool known_type(std::uint8_t type) {
  return type >= static_cast<std::uint8_t>(RecordType::kCommitDecision) &&
         type <= static_cast<std::uint8_t>(RecordType::kCheckpoint);
}

// The first offset at or after `from` where a complete frame with a good CRC starts.
// Cheap filters first (a known type byte, a length that fits), the CRC last: garbage and
// zero-filled tails rarely get past the filters, so this stays near linear.
std::optional<std::size_t> next_good_frame(std::string_view bytes, std::size_t from) {
  for (std::size_t q = from; q + kFrameHeaderSize <= bytes.size(); ++q) {
    if (!known_type(static_cast<std::uint8_t>(bytes[q + 8]))) continue;
    if (check_frame(bytes, q) == FrameCheck::kGood) return q;
  }
  return std::nullopt;
}

std::uint32_t length_at(std::string_view bytes, std::size_t offset) {
  return bytes::get_fixed32(bytes.data() + offset + 4);
}

// The record in the good frame at `offset`; nullopt if its payload does not decode.
std::optional<LogRecord> decode_frame(std::string_view bytes, std::size_t offset) {
  auto type = static_cast<std::uint8_t>(bytes[offset + 8]);
  return decode_payload(type, bytes.substr(offset + kFrameHeaderSize, length_at(bytes, offset)));
}

// Checks the segment header; returns why it is bad, or nullopt when it is good.
std::optional<std::string> header_problem(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) return "truncated segment header";
  if (bytes.substr(0, kMagic.size()) != kMagic) return "bad segment magic";
  if (crc32c::unmask(bytes::get_fixed32(bytes.data() + 20)) != crc32c::value(bytes.substr(0, 20))) {
    return "bad segment header crc";
  }
  if (auto version = bytes::get_fixed32(bytes.data() + 8); version != kFormatVersion) {
    return "unsupported format version " + std::to_string(version);
  }
  return std::nullopt;
}

}  // namespace

SegmentScan scan_segment(std::string_view bytes) {
  SegmentScan scan;
  auto damaged = [&](std::uint64_t offset, std::string reason) {
    scan.damage = Damage{offset, std::move(reason), next_good_frame(bytes, offset + 1).has_value()};
    return scan;
  };
  if (auto problem = header_problem(bytes)) return damaged(0, *problem);
  scan.header_ok = true;
  scan.segment_number = bytes::get_fixed64(bytes.data() + 12);
  std::size_t offset = kHeaderSize;
  scan.valid_bytes = offset;
  while (offset < bytes.size()) {
    FrameCheck check = check_frame(bytes, offset);
    if (check != FrameCheck::kGood) return damaged(offset, reason_of(check));
    auto record = decode_frame(bytes, offset);
    // A good CRC around a payload we cannot parse is not a torn write: it is a record of
    // an unknown version or a bug, and must never be skipped silently.
    if (!record) {
      auto type = static_cast<unsigned>(static_cast<std::uint8_t>(bytes[offset + 8]));
      scan.damage = Damage{offset, "undecodable record of type " + std::to_string(type), true};
      return scan;
    }
    scan.records.push_back({offset, std::move(*record)});
    offset += kFrameHeaderSize + length_at(bytes, offset);
    scan.valid_bytes = offset;
  }
  return scan;
}

SalvagedSegment salvage_segment(std::string_view bytes) {
  SalvagedSegment out;
  std::size_t offset = 0;
  if (auto problem = header_problem(bytes)) {
    // The frames may still be fine: look for them right after where the header would end.
    std::size_t end = std::min(bytes.size(), kHeaderSize);
    if (end > 0) out.skipped.push_back({0, end, *problem});
    offset = end;
  } else {
    out.header_ok = true;
    out.segment_number = bytes::get_fixed64(bytes.data() + 12);
    offset = kHeaderSize;
  }
  while (offset < bytes.size()) {
    FrameCheck check = check_frame(bytes, offset);
    std::string reason = reason_of(check);
    if (check == FrameCheck::kGood) {
      if (auto record = decode_frame(bytes, offset)) {
        out.records.push_back({offset, std::move(*record)});
        offset += kFrameHeaderSize + length_at(bytes, offset);
        continue;
      }
      auto type = static_cast<unsigned>(static_cast<std::uint8_t>(bytes[offset + 8]));
      reason = "undecodable record of type " + std::to_string(type);
    }
    std::size_t resume = next_good_frame(bytes, offset + 1).value_or(bytes.size());
    if (!out.skipped.empty() && out.skipped.back().end == offset) {
      out.skipped.back().end = resume;  // one damaged region, however many bad frames
    } else {
      out.skipped.push_back({offset, resume, reason});
    }
    offset = resume;
  }
  return out;
}

}  // namespace xacoord::dlog
