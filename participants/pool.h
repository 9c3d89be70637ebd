// A bounded pool of lanes (sessions with their own threads) for one participant.
//
// A transaction leases one lane per branch, from XA START until phase two is over, so the
// pool bounds the transactions in flight on that server. Lanes and their sessions are
// created on demand, up to the bound. The pool's bookkeeping runs on the io_context that
// owns it (one thread): it is not thread-safe by design.
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
#include <boost/asio/steady_timer.hpp>

#include "participants/endpoint.h"
#include "participants/lane.h"

namespace xacoord::db {

// Every lane stayed busy until the deadline: the caller answers 503.
class PoolExhausted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Pool;

// The right to use one lane. Returning it (destruction) gives the lane to the next waiter.
class Lease {
 public:
  Lease() = default;
  Lease(Lease&& other) noexcept { *this = std::move(other); }
  Lease& operator=(Lease&& other) noexcept;
  ~Lease() { release(); }

  Lane& lane() const { return *lane_; }
  explicit operator bool() const { return lane_ != nullptr; }
  // The session may hold a branch that did not finish here (phase two failed, or the
  // branch was abandoned): close it before the lane serves anyone else, so the server
  // rolls back what was not prepared and lets recovery finish what was.
  void discard_session() { discard_ = true; }
  void release();

 private:
  friend class Pool;
  Lease(Pool* pool, Lane* lane) : pool_(pool), lane_(lane) {}
  Pool* pool_ = nullptr;
  Lane* lane_ = nullptr;
  bool discard_ = false;
};

class Pool {
 public:
  Pool(std::string participant, Endpoint endpoint, Timeouts timeouts, std::size_t size);
  ~Pool();

  // A free lane, waiting for one until `deadline`; throws PoolExhausted after it.
  boost::asio::awaitable<Lease> acquire(std::chrono::steady_clock::time_point deadline);

  // Interrupts the statement `lane` is running (KILL QUERY from a session of the pool's
  // own), so a branch past its deadline stops holding locks. Does not wait; best effort:
  // if the server cannot be reached, the statement ends at its read timeout anyway.
  void interrupt(const Lane& lane);

  const std::string& participant() const { return participant_; }
  const Endpoint& endpoint() const { return endpoint_; }
  const Timeouts& timeouts() const { return timeouts_; }
  std::size_t size() const { return size_; }
  std::size_t in_use() const { return lanes_.size() - free_.size(); }
  std::size_t waiting() const { return waiters_.size(); }

  // Closes the sessions of idle lanes; each reconnects at its next use. After its server
  // restarted, every pooled session is dead and would fail its next user once.
  void drop_idle_sessions();

 private:
  friend class Lease;
  struct Waiter {
    boost::asio::steady_timer* timer;
    Lane* granted = nullptr;
  };
  void release(Lane* lane, bool discard_session);

  const std::string participant_;
  const Endpoint endpoint_;
  const Timeouts timeouts_;
  const std::size_t size_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<Lane*> free_;  // a stack: the most recently used session is the warmest
  std::deque<Waiter*> waiters_;
  std::unique_ptr<Lane> control_;  // sends KILL QUERY; created on first use
};

}  // namespace xacoord::db
