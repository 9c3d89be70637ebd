// A clock that moves only when the test says so (common/clock.h). Timers fire, in order of
// their times, when advance() passes them; their callbacks are posted to the executor the
// timer was made for, so the test runs the io_context to let them act.
#pragma once

#include <map>
#include <memory>

#include "common/clock.h"

namespace xacoord::test {

class ManualClock final : public Clock {
 public:
  ManualClock();
  ~ManualClock() override;

  SteadyTime now() const override { return now_; }
  WallTime wall_now() const override { return wall_; }
  std::unique_ptr<Timer> make_timer(boost::asio::any_io_executor executor) override;

  // Moves time forward by `d`, firing every timer due by then.
  void advance(std::chrono::milliseconds d);
  // Timers waiting right now.
  std::size_t waiting() const;
  // Disarms every waiting timer and destroys its callback unrun. A callback may own a
  // suspended coroutine bound to an io_context; the owner of that io_context calls this
  // before the io_context goes, so the coroutine is destroyed while its executor exists.
  void drop_waiters();

 private:
  class ManualTimer;
  friend class ManualTimer;
  SteadyTime now_;
  WallTime wall_;
  std::multimap<SteadyTime, ManualTimer*> due_;
};

}  // namespace xacoord::test
