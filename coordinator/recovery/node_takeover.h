// A live coordinator finishing a dead one's transactions (docs/scale-out.md, "Takeover").
// Every coordinator on etcd runs one NodeTakeover. Every poll interval it asks etcd for
// nodes whose registration is gone and whose last run nobody took over; for each, it
// tries to claim the takeover (one etcd transaction: one winner), and the winner
//
//   1. ends the dead node's sessions on both databases, running or idle (start-up
//      recovery's own first step, run for the dead node's id: a session could otherwise
//      still prepare a branch, or hold a prepared one attached);
//   2. commits every branch etcd holds a commit decision for, and rolls back every other
//      prepared branch of the dead node that XA RECOVER lists (presumed abort);
//   3. records the takeover (the epoch it covered) and drops its claim.
//
// That is start-up recovery (startup_recovery.h) for another node id, over the dead
// node's decisions in etcd (DeadNodeDecisions), with a table of its own. The claim keeps
// the dead node from registering again until step 3 (node_registration.h, blocked_by);
// its own late writes are fenced by its lost registration. Phase two waits while this
// coordinator may not decide (may_decide).
//
// io_context thread only.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/store/etcd/etcd_client.h"
#include "coordinator/store/etcd/node_registration.h"
#include "coordinator/store/etcd/takeover_claims.h"
#include "participants/pool.h"

namespace xacoord {

class NodeTakeover {
 public:
  struct Options {
    std::string run;  // this process's token (participants/server_session.h)
    std::chrono::milliseconds poll_interval{500};
    std::chrono::milliseconds max_backoff{2'000};  // phase two's retries of the dead node's
    std::function<bool()> may_decide = [] { return true; };
  };
  NodeTakeover(boost::asio::any_io_executor executor, std::vector<db::Pool*> participants,
               CoordinatorMetrics& metrics, Clock& clock, etcd::Client& client,
               const etcd::NodeRegistration& self, Options options);
  ~NodeTakeover();

  // Watches for dead nodes until stop().
  boost::asio::awaitable<void> run();
  void stop() { stopped_ = true; }

  std::size_t finished() const { return finished_; }
  etcd::TakeoverClaims& claims() { return claims_; }
  bool busy() const { return busy_; }

 private:
  struct Finished;
  boost::asio::awaitable<void> take_over(etcd::TakeoverClaim claim);

  boost::asio::any_io_executor executor_;
  std::vector<db::Pool*> participants_;
  CoordinatorMetrics& metrics_;
  Clock& clock_;
  etcd::Client& client_;
  etcd::TakeoverClaims claims_;
  Options options_;
  bool stopped_ = false;
  bool busy_ = false;
  std::size_t finished_ = 0;
  // The last takeovers' objects, kept until their background work is surely over (their
  // retry loops exit at their next wake-up, their deletes finish); bounded.
  std::deque<std::unique_ptr<Finished>> done_;
};

}  // namespace xacoord
