// The pause between failed connection attempts: exponential with jitter, so that many
// clients of one restarted Redis do not reconnect in lockstep, and bounded, so that a
// broker back after a long outage is found within `max`.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace xacoord::broker {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);

  // The pause before the next attempt: uniform in [ceiling/2, ceiling], where the ceiling
  // starts at `initial` and doubles with every call up to `max`.
  std::chrono::milliseconds next();
  // After a success: the next pause is short again.
  void reset() { ceiling_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 rng_;
};

}  // namespace xacoord::broker
