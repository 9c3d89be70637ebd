// The clock the coordinator reads and waits on, injected so that tests can drive time.
//
// Deadlines, backoffs, grace periods and health intervals all read `now()` and wait on a
// Timer made by the same clock. Production uses Clock::system() (steady_clock, Asio
// timers); unit tests of the engine and of recovery use a manual clock
// (tests/support/fakes/manual_clock.h) and move time forward by hand, so a deadline or an
// orphan's grace period is a line of the test, not a sleep.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace xacoord {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// One pending wait at a time. Destroying the timer cancels its wait.
class Timer {
 public:
  virtual ~Timer() = default;
  // Calls `done(true)` at `when`, or `done(false)` once cancel() (or a new wait) cancels
  // it; always on the executor the timer was made for, never inside this call.
  virtual void wait_until(SteadyTime when, std::function<void(bool fired)> done) = 0;
  virtual void cancel() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime now() const = 0;
  virtual WallTime wall_now() const = 0;
  virtual std::unique_ptr<Timer> make_timer(boost::asio::any_io_executor executor) = 0;

  // The real clock: std::chrono::steady_clock and system_clock, Asio's steady_timer.
  static Clock& system();
};

// Suspends the calling coroutine (never the thread) until `when`. True if the time came,
// false if the timer was cancelled first.
boost::asio::awaitable<bool> wait_until(Timer& timer, SteadyTime when);

// A pause for background loops: suspends the coroutine until `clock` says `duration` has
// passed.
boost::asio::awaitable<void> sleep_for(Clock& clock, std::chrono::milliseconds duration);
// The same on the system clock.
boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds duration);

// Milliseconds since the Unix epoch, for records and answers.
std::int64_t unix_ms(WallTime t);

}  // namespace xacoord
