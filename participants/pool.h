// A bounded pool of sessions for one participant.
//
// A transaction leases one session per branch, from XA START until phase two is over, so
// the pool bounds the transactions in flight on that server (on MariaDB a session holding
// a prepared branch can start nothing else). Sessions are made on demand by the
// participant's SessionFactory, up to the bound. The pool's bookkeeping runs on the
// io_context that owns it (one thread): it is not thread-safe by design.
#pragma once

#include <utility>

#include <chrono>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "participants/session.h"

namespace xacoord::db {

// Every session stayed busy until the deadline: the caller answers 503.
class PoolExhausted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Pool;

// The right to use one session. Returning it (destruction) gives it to the next waiter.
class Lease {
 public:
  Lease() = default;
  Lease(Lease&& other) noexcept { *this = std::move(other); }
  Lease& operator=(Lease&& other) noexcept;
  ~Lease() { release(); }

  Session& session() const { return *session_; }
  explicit operator bool() const { return session_ != nullptr; }
  // The session may hold a branch that did not finish here (phase two failed, or the
  // branch was abandoned): close it before it serves anyone else, so the server rolls
  // back what was not prepared and lets recovery finish what was.
  void discard_session() { discard_ = true; }
  void release();

 private:
  friend class Pool;
  Lease(Pool* pool, Session* session) : pool_(pool), session_(session) {}
  Pool* pool_ = nullptr;
  Session* session_ = nullptr;
  bool discard_ = false;
};

class Pool {
 public:
  Pool(boost::asio::any_io_executor executor, SessionFactory& factory, std::size_t size,
       Clock& clock = Clock::system());
  ~Pool();

  // A free session, waiting for one until `deadline`; throws PoolExhausted after it.
  boost::asio::awaitable<Lease> acquire(SteadyTime deadline);

  // Interrupts the statement `session` is running (KILL QUERY from a session of the
  // pool's own), so a branch past its deadline stops holding locks. Does not wait; best
  // effort: if the server cannot be reached, the statement ends at its read timeout anyway.
  void interrupt(const Session& session);

  SessionFactory& factory() const { return factory_; }
  const std::string& participant() const { return factory_.participant(); }
  std::size_t size() const { return size_; }
  std::size_t in_use() const { return sessions_.size() - free_.size(); }
  std::size_t waiting() const { return waiters_.size(); }

  // Closes the idle sessions; each reconnects at its next use. After its server
  // restarted, every pooled session is dead and would fail its next user once.
  void drop_idle_sessions();

 private:
  friend class Lease;
  struct Waiter {
    Timer* timer;
    Session* granted = nullptr;
  };
  void release(Session* session, bool discard_session);

  boost::asio::any_io_executor executor_;
  SessionFactory& factory_;
  Clock& clock_;
  const std::size_t size_;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<Session*> free_;  // a stack: the most recently used session is the warmest
  std::deque<Waiter*> waiters_;
  std::unique_ptr<Session> control_;  // sends KILL QUERY; made on first use
};

}  // namespace xacoord::db
