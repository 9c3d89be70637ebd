#include "coordinator/broker/backoff.h"

#include <algorithm>
#include <stdexcept>

namespace xacoord::broker {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::uint64_t seed)
    : initial_(initial), max_(max), ceiling_(initial), rng_(seed) {
  if (initial.count() <= 0 || max < initial) {
    throw std::invalid_argument("backoff needs 0 < initial <= max");
  }
}

std::chrono::milliseconds Backoff::next() {
  auto ceiling = ceiling_.count();
  std::uniform_int_distribution<std::int64_t> pick(std::max<std::int64_t>(1, ceiling / 2), ceiling);
  ceiling_ = std::min(max_, ceiling_ * 2);
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace xacoord::broker
