#include "coordinator/log/log_format.h"

#include <charconv>
#include <cstdio>

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

void append_frame(std::string& out, const LogRecord& record) {
  std::string payload = encode_payload(record);
  std::string body;
  body.reserve(4 + 1 + payload.size());
  bytes::put_fixed32(body, static_cast<std::uint32_t>(payload.size()));
  body.push_back(static_cast<char>(type_of(record)));
  body += payload;
  bytes::put_fixed32(out, crc32c::mask(crc32c::value(body)));
  out += body;
}

}  // namespace xacoord::dlog
