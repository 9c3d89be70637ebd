// A background loop's pause that new work can cut short: the relay sleeps between empty
// claims, and a pay that just committed an outbox row wakes it instead of letting the
// message wait for the next poll.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "common/clock.h"

namespace xacoord::outbox {

class Wakeup {
 public:
  Wakeup(boost::asio::any_io_executor executor, Clock& clock)
      : clock_(clock), timer_(clock.make_timer(std::move(executor))) {}
  // Returns at once if notify() came since the last wait, else after `pause` or notify().
  boost::asio::awaitable<void> wait(std::chrono::milliseconds pause) {
    if (!notified_) co_await wait_until(*timer_, clock_.now() + pause);
    notified_ = false;
  }
  void notify() {
    notified_ = true;
    timer_->cancel();
  }

 private:
  Clock& clock_;
  std::unique_ptr<Timer> timer_;
  bool notified_ = false;
};

}  // namespace xacoord::outbox
