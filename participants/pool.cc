#include "participants/pool.h"

#include <algorithm>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace xacoord::db {

namespace asio = boost::asio;

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    lane_ = std::exchange(other.lane_, nullptr);
    discard_ = std::exchange(other.discard_, false);
  }
  return *this;
}

void Lease::release() {
  if (pool_ && lane_) pool_->release(lane_, discard_);
  pool_ = nullptr;
  lane_ = nullptr;
  discard_ = false;
}

Pool::Pool(std::string participant, Endpoint endpoint, Timeouts timeouts, std::size_t size)
    : participant_(std::move(participant)),
      endpoint_(std::move(endpoint)),
      timeouts_(timeouts),
      size_(std::max<std::size_t>(size, 1)) {}

Pool::~Pool() = default;

asio::awaitable<Lease> Pool::acquire(std::chrono::steady_clock::time_point deadline) {
  if (!free_.empty()) {
    Lane* lane = free_.back();
    free_.pop_back();
    co_return Lease(this, lane);
  }
  if (lanes_.size() < size_) {
    lanes_.push_back(std::make_unique<Lane>(participant_, endpoint_, timeouts_, lanes_.size()));
    co_return Lease(this, lanes_.back().get());
  }
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  Waiter waiter{&timer};
  waiters_.push_back(&waiter);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (waiter.granted) co_return Lease(this, waiter.granted);
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &waiter));
  throw PoolExhausted("all " + std::to_string(size_) + " sessions to " + participant_ +
                      " stayed busy until the deadline");
}

void Pool::interrupt(const Lane& lane) {
  std::int64_t session = lane.session_id();
  if (session == 0) return;  // no session: nothing runs there
  if (!control_)
    control_ = std::make_unique<Lane>(participant_ + "/control", endpoint_, timeouts_, size_);
  control_->post([control = control_.get(), session] {
    // An error here (the session ended meanwhile: 1094 unknown thread) changes nothing.
    detail::run_guarded(
        *control, [session](Connection& c) { c.execute("KILL QUERY " + std::to_string(session)); });
  });
}

void Pool::drop_idle_sessions() {
  for (Lane* lane : free_)
    lane->post([lane] { lane->drop_connection(); });
}

void Pool::release(Lane* lane, bool discard_session) {
  // Queued before any next user's work, so that user finds a fresh session.
  if (discard_session) lane->post([lane] { lane->drop_connection(); });
  if (!waiters_.empty()) {
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->granted = lane;
    next->timer->cancel();
    return;
  }
  free_.push_back(lane);
}

}  // namespace xacoord::db
