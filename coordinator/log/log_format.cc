#include "coordinator/log/log_format.h"

#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "protocol/bytes.h"
#include "protocol/crc32c.h"

namespace xacoord::dlog {

std::string segment_file_name(std::uint64_t number) {
  char name[40];
  std::snprintf(name, sizeof name, "decisions-%08llu.log", static_cast<unsigned long long>(number));
  return name;
}

std::optional<std::uint64_t> segment_number_of(std::string_view name) {
  constexpr std::string_view kPrefix = "decisions-", kSuffix = ".log";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  if (name.size() < kPrefix.size() + kSuffix.size()) return std::nullopt;
  auto digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || n == 0) {
    return std::nullopt;
  }
  return n;
}

std::string encode_header(std::uint64_t segment_number) {
  std::string out(kMagic);
  bytes::put_fixed32(out, kFormatVersion);
  bytes::put_fixed64(out, segment_number);
  bytes::put_fixed32(out, crc32c::mask(crc32c::value(out)));
  return out;
}

std::uint32_t frame_crc(std::string_view length_type_and_payload) {
  return crc32c::mask(crc32c::value(length_type_and_payload));
}

std::string encode_frame(const LogRecord& record) {
  const auto type = type_of(record);
  std::string payload = encode_payload(record);
  if (payload.size() > kMaxPayloadSize) {
    throw std::invalid_argument("decision log: a " + std::string(name_of(type)) + " record of " +
                                std::to_string(payload.size()) + " bytes exceeds the " +
                                std::to_string(kMaxPayloadSize) + "-byte limit");
  }
  // The decoder bounds every field (ids, reasons, branch counts). A record outside those
  // bounds would be written fine and then refused at the next start.
  auto decoded = decode_payload(static_cast<std::uint8_t>(type), payload);
  if (!decoded || !(*decoded == record)) {
    throw std::invalid_argument("decision log: a " + std::string(name_of(type)) +
                                " record has a field the log cannot store (too long or too many)");
  }
  std::string frame(4, '\0');  // the CRC, filled in below
  frame.reserve(kFrameHeaderSize + payload.size());
  bytes::put_fixed32(frame, static_cast<std::uint32_t>(payload.size()));
  frame.push_back(static_cast<char>(type));
  frame += payload;
  std::string crc;
  bytes::put_fixed32(crc, frame_crc(std::string_view(frame).substr(4)));
  frame.replace(0, 4, crc);
  return frame;
}

}  // namespace xacoord::dlog
