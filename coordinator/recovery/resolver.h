// Recovery: brings every branch of this coordinator to its outcome, whatever crashed.
//
//  - At start-up (recover_at_startup), before the coordinator reports ready: sessions an
//    earlier run of this node left running on a server are killed (they could prepare a
//    branch later); then every commit decision in the log is committed on every branch,
//    and every other prepared branch of this node that XA RECOVER lists is rolled back
//    (presumed abort). Branches of other nodes and other format ids are never touched.
//  - While running (finish_later): phase two that failed on a branch's own session is
//    retried from a dedicated recovery session, with capped exponential backoff, until
//    the server confirms. A commit decision never turns into a rollback.
//  - XAER_NOTA counts as done only once a fresh XA RECOVER no longer lists the xid (on
//    MariaDB another session's XA COMMIT says NOTA while the preparing session lives).
//  - Orphans (scan_orphans): a prepared branch of ours that no live transaction owns and
//    no decision covers is rolled back only when two scans a grace period apart both see
//    it, so a transaction in the middle of its prepare is never touched.
//
// Runs on the coordinator's io_context thread; database work runs on recovery lanes.
#pragma once

#include <utility>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "coordinator/engine/two_phase_commit.h"
#include "coordinator/engine/txn_registry.h"
#include "coordinator/log/decision_log.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "participants/lane.h"
#include "participants/pool.h"

namespace xacoord {

class Resolver : public PhaseTwoHandoff {
 public:
  struct Options {
    std::string node_id = "1";
    std::chrono::milliseconds first_backoff{100};
    std::chrono::milliseconds max_backoff{10'000};
    std::chrono::milliseconds orphan_grace{30'000};
    std::chrono::milliseconds stuck_after{60'000};
  };

  // The outcome of an operator's forced decision.
  struct ForceResult {
    bool accepted = false;
    std::string detail;
    std::size_t branches = 0;
  };

  Resolver(boost::asio::any_io_executor executor, std::vector<db::Pool*> participants,
           dlog::DecisionLog& log, TxnRegistry& registry, CoordinatorMetrics& metrics,
           Options options);
  ~Resolver() override;

  void finish_later(std::shared_ptr<Transaction> txn, std::size_t index, bool commit) override;

  // Start-up recovery; returns once every branch it found is finished. Retries while a
  // database is unreachable (the coordinator stays not ready meanwhile).
  boost::asio::awaitable<void> recover_at_startup();
  // One orphan scan of every participant (run periodically by the coordinator).
  boost::asio::awaitable<void> scan_orphans();
  // Operator's forced outcome (xacoord txn commit|rollback --force). Refused when it
  // contradicts a logged decision or the transaction is still live here.
  boost::asio::awaitable<ForceResult> force(std::string txn_id, bool commit, std::string reason);

  std::size_t pending() const;  // branches waiting for phase two
  std::size_t stuck() const;    // of those, waiting longer than stuck_after
  std::size_t foreign_seen() const { return foreign_seen_; }
  void stop();

 private:
  struct Work {
    std::shared_ptr<Transaction> txn;
    std::size_t index;
    bool commit;
    std::string reason;  // startup | retry | orphan | operator
    std::chrono::steady_clock::time_point first_at;
    std::chrono::steady_clock::time_point next_at;
    std::chrono::milliseconds backoff;
    int attempts = 0;
  };
  struct Participant {
    db::Pool* pool;
    std::unique_ptr<db::Lane> lane;  // the recovery session
    std::vector<Work> work;
    std::unique_ptr<boost::asio::steady_timer> wake;
    std::chrono::steady_clock::time_point ready_at{};  // backoff after a lost connection
    std::chrono::milliseconds backoff{0};
    std::map<Xid, std::chrono::steady_clock::time_point> suspects;  // orphan candidates
  };
  enum class Attempt { kDone, kRetry, kUnreachable };

  boost::asio::awaitable<void> drive(Participant& p);
  boost::asio::awaitable<Attempt> attempt(Participant& p, const Work& w);
  // Kills the sessions of this node's earlier runs still running on the server, then
  // lists the prepared branches; retries until the server answers.
  boost::asio::awaitable<std::vector<Xid>> recover_list(Participant& p);
  std::size_t kill_sessions_of_earlier_runs(db::Connection& c) const;  // lane thread
  void enqueue(Participant& p, Work w);
  void completed(Participant& p, Work& w);
  Participant* participant(const std::string& name);
  // Takes over a transaction found in the log or by XA RECOVER: registers it and queues
  // phase two for each of its branches.
  std::shared_ptr<Transaction> adopt(const std::string& txn_id, TxnState state,
                                     const std::vector<BranchRef>& branches,
                                     const std::string& reason);

  boost::asio::any_io_executor executor_;
  dlog::DecisionLog& log_;
  TxnRegistry& registry_;
  CoordinatorMetrics& metrics_;
  Options options_;
  std::map<std::string, Participant> participants_;
  std::size_t foreign_seen_ = 0;
  bool stopped_ = false;
};

}  // namespace xacoord
