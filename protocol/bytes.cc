#include "protocol/bytes.h"

namespace xacoord::bytes {

void put_fixed32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_fixed64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

std::uint32_t get_fixed32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::uint64_t get_fixed64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::optional<std::uint64_t> Reader::varint() {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (data_.empty()) return std::nullopt;
    auto b = static_cast<unsigned char>(data_.front());
    data_.remove_prefix(1);
    if (shift == 63 && b > 1) return std::nullopt;  // would overflow 64 bits
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Reader::string(std::size_t max_size) {
  auto n = varint();
  if (!n || *n > max_size || *n > data_.size()) return std::nullopt;
  std::string s(data_.substr(0, *n));
  data_.remove_prefix(*n);
  return s;
}

std::optional<std::uint8_t> Reader::byte() {
  if (data_.empty()) return std::nullopt;
  auto b = static_cast<std::uint8_t>(data_.front());
  data_.remove_prefix(1);
  return b;
}

}  // namespace xacoord::bytes
