#include "common/clock.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace xacoord {

namespace asio = boost::asio;

namespace {

class SteadyTimer final : public Timer {
 public:
  explicit SteadyTimer(asio::any_io_executor executor) : timer_(std::move(executor)) {}

  void wait_until(SteadyTime when, std::function<void(bool)> done) override {
    timer_.expires_at(when);  // cancels a pending wait: its handler sees operation_aborted
    timer_.async_wait([done = std::move(done)](const boost::system::error_code& ec) { done(!ec); });
  }
  void cancel() override { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wall_now() const override { return std::chrono::system_clock::now(); }
  std::unique_ptr<Timer> make_timer(asio::any_io_executor executor) override {
    return std::make_unique<SteadyTimer>(std::move(executor));
  }
};

}  // namespace

Clock& Clock::system() {
  static SystemClock clock;
  return clock;
}

asio::awaitable<bool> wait_until(Timer& timer, SteadyTime when) {
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(bool)>(
      [&timer, when](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        timer.wait_until(when, [shared](bool fired) { std::move (*shared)(fired); });
      },
      asio::use_awaitable);
}

asio::awaitable<void> sleep_for(Clock& clock, std::chrono::milliseconds duration) {
  auto timer = clock.make_timer(co_await asio::this_coro::executor);
  co_await wait_until(*timer, clock.now() + duration);
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  co_await sleep_for(Clock::system(), duration);
}

std::int64_t unix_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace xacoord
