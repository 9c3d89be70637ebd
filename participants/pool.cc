#include "participants/pool.h"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "participants/db_error.h"

namespace xacoord::db {

namespace asio = boost::asio;

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    session_ = std::exchange(other.session_, nullptr);
    discard_ = std::exchange(other.discard_, false);
  }
  return *this;
}

void Lease::release() {
  if (pool_ && session_) pool_->release(session_, discard_);
  pool_ = nullptr;
  session_ = nullptr;
  discard_ = false;
}

Pool::Pool(asio::any_io_executor executor, SessionFactory& factory, std::size_t size, Clock& clock)
    : executor_(std::move(executor)),
      factory_(factory),
      clock_(clock),
      size_(std::max<std::size_t>(size, 1)) {}

Pool::~Pool() = default;

asio::awaitable<Lease> Pool::acquire(SteadyTime deadline) {
  if (!free_.empty()) {
    Session* session = free_.back();
    free_.pop_back();
    co_return Lease(this, session);
  }
  if (sessions_.size() < size_) {
    sessions_.push_back(factory_.make_session("pool"));
    co_return Lease(this, sessions_.back().get());
  }
  auto timer = clock_.make_timer(executor_);
  Waiter waiter{timer.get()};
  waiters_.push_back(&waiter);
  co_await wait_until(*timer, deadline);
  if (waiter.granted) co_return Lease(this, waiter.granted);
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &waiter));
  throw PoolExhausted("all " + std::to_string(size_) + " sessions to " + participant() +
                      " stayed busy until the deadline");
}

void Pool::interrupt(const Session& session) {
  std::int64_t id = session.server_session_id();
  if (id == 0) return;  // not connected: nothing runs there
  if (!control_) control_ = factory_.make_session("control");
  asio::co_spawn(
      executor_,
      [control = control_.get(), id]() -> asio::awaitable<void> {
        try {
          co_await execute(*control, "KILL QUERY " + std::to_string(id));
        } catch (const DbError&) {
          // The session ended meanwhile (1094 unknown thread), or the server is away:
          // either way nothing is left to interrupt.
        }
      },
      asio::detached);
}

void Pool::drop_idle_sessions() {
  for (Session* session : free_)
    session->close();
}

void Pool::release(Session* session, bool discard_session) {
  // Ordered before any next user's work, so that user finds a fresh session.
  if (discard_session) session->close();
  if (!waiters_.empty()) {
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->granted = session;
    next->timer->cancel();
    return;
  }
  free_.push_back(session);
}

}  // namespace xacoord::db
