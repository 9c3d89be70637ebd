// CRC-32C (Castagnoli), as used by iSCSI, ext4 and LevelDB, for the decision log's frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xacoord::crc32c {

// CRC-32C of `data`, continuing from `crc` (0 to start).
std::uint32_t extend(std::uint32_t crc, const void* data, std::size_t size);
inline std::uint32_t value(std::string_view data) {
  return extend(0, data.data(), data.size());
}

// A CRC stored next to the data it covers is masked, as LevelDB does: computing the CRC of
// a string that itself contains CRCs is otherwise prone to coincidences.
inline constexpr std::uint32_t kMaskDelta = 0xa282ead8u;
inline std::uint32_t mask(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline std::uint32_t unmask(std::uint32_t masked) {
  std::uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace xacoord::crc32c
