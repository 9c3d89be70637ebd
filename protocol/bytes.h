// Little-endian fixed-width integers, varints and length-prefixed strings: the building
// blocks of the decision log's binary format (docs/decision-log.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xacoord::bytes {

void put_fixed32(std::string& out, std::uint32_t v);
void put_fixed64(std::string& out, std::uint64_t v);
void put_varint(std::string& out, std::uint64_t v);
void put_string(std::string& out, std::string_view s);  // varint length, then the bytes

std::uint32_t get_fixed32(const char* p);
std::uint64_t get_fixed64(const char* p);

// Consumes values from the front of a view; every getter fails (nullopt) rather than read
// past the end, so a damaged record can never make the reader overrun.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  std::optional<std::uint64_t> varint();
  std::optional<std::string> string(std::size_t max_size);
  std::optional<std::uint8_t> byte();
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

}  // namespace xacoord::bytes
