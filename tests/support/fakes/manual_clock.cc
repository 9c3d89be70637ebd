#include "tests/support/fakes/manual_clock.h"

#include <stdexcept>
#include <vector>

#include <boost/asio/post.hpp>

namespace xacoord::test {

namespace asio = boost::asio;

class ManualClock::ManualTimer final : public Timer {
 public:
  ManualTimer(ManualClock& clock, asio::any_io_executor executor)
      : clock_(clock), executor_(std::move(executor)) {}
  // Destroyed while waiting: forgotten, nobody is told (the waiter went away with it).
  ~ManualTimer() override {
    if (armed_) clock_.due_.erase(slot_);
  }

  void wait_until(SteadyTime when, std::function<void(bool)> done) override {
    cancel();
    done_ = std::move(done);
    when_ = when;
    slot_ = clock_.due_.emplace(when, this);
    armed_ = true;
  }
  void cancel() override {
    if (!armed_) return;
    clock_.due_.erase(slot_);
    armed_ = false;
    asio::post(executor_, [done = std::move(done_)] { done(false); });
  }
  // Returns the callback without running it; the timer is no longer armed.
  std::function<void(bool)> disarm() {
    armed_ = false;
    return std::move(done_);
  }
  void fire() {
    armed_ = false;
    asio::post(executor_, [done = std::move(done_)] { done(true); });
  }

 private:
  ManualClock& clock_;
  asio::any_io_executor executor_;
  std::function<void(bool)> done_;
  SteadyTime when_;
  std::multimap<SteadyTime, ManualTimer*>::iterator slot_;
  bool armed_ = false;
};

ManualClock::ManualClock()
    : now_(SteadyTime{} + std::chrono::hours(1000)), wall_(std::chrono::system_clock::now()) {}

ManualClock::~ManualClock() = default;

std::unique_ptr<Timer> ManualClock::make_timer(asio::any_io_executor executor) {
  return std::make_unique<ManualTimer>(*this, std::move(executor));
}

void ManualClock::advance(std::chrono::milliseconds d) {
  now_ += d;
  wall_ += d;
  while (!due_.empty() && due_.begin()->first <= now_) {
    ManualTimer* timer = due_.begin()->second;
    due_.erase(due_.begin());
    timer->fire();
  }
}

std::size_t ManualClock::waiting() const {
  return due_.size();
}

void ManualClock::drop_waiters() {
  // Take every callback out first and destroy them after: destroying one may destroy a
  // coroutine frame that owns another timer, which would change due_ under the loop.
  std::vector<std::function<void(bool)>> dropped;
  dropped.reserve(due_.size());
  for (auto& [when, timer] : due_)
    dropped.push_back(timer->disarm());
  due_.clear();
  dropped.clear();
  // A destroyed frame must not have armed a new timer.
  if (!due_.empty())
    throw std::logic_error("ManualClock::drop_waiters: a timer was armed while dropping");
}

}  // namespace xacoord::test
