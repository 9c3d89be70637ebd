// A one-shot event for coroutines on one io_context thread: wait() suspends until
// notify() (at once if it was notified already). Built on a timer that never expires and
// is cancelled to wake its waiters, as Boost 1.74 has no channels.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <chrono>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace xacoord::etcd {

class Signal {
 public:
  explicit Signal(boost::asio::any_io_executor executor)
      : timer_(executor, std::chrono::steady_clock::time_point::max()) {}

  void notify() {
    fired_ = true;
    timer_.cancel();
  }
  bool fired() const { return fired_; }

  boost::asio::awaitable<void> wait() {
    while (!fired_) {
      boost::system::error_code ignored;  // cancelled by notify(): the point of it
      co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    }
  }

 private:
  boost::asio::steady_timer timer_;
  bool fired_ = false;
};

}  // namespace xacoord::etcd
