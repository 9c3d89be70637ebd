#include "protocol/fingerprint.h"

#include <cstdint>
#include <cstdio>

namespace xacoord {

std::string request_fingerprint(std::string_view method, std::string_view path,
                                std::string_view body) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix_byte = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  // Each part is preceded by its length, so no choice of bytes can move a boundary.
  auto mix = [&mix_byte](std::string_view part) {
    for (int i = 0; i < 8; ++i)
      mix_byte(static_cast<unsigned char>(part.size() >> (8 * i)));
    for (unsigned char c : part)
      mix_byte(c);
  };
  mix(method);
  mix(path);
  mix(body);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace xacoord
