// Phase two that did not finish on a branch's own session: retried from recovery's session
// on the participant, with capped exponential backoff, until the server confirms. A
// commit decision never turns into a rollback.
//
// XAER_NOTA counts as done only once a fresh XA RECOVER no longer lists the xid: on
// MariaDB another session's XA COMMIT says NOTA while the preparing session lives.
//
// Also where recovery adopts the transactions it finds (start-up, orphans, operators):
// each gets every branch queued here.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coordinator/engine/two_phase_commit.h"
#include "coordinator/recovery/recovery_context.h"
#include "protocol/log_record.h"

namespace xacoord {

class PhaseTwoRetry final : public PhaseTwoHandoff {
 public:
  // Starts one retry loop per participant of `context`.
  explicit PhaseTwoRetry(RecoveryContext& context);
  ~PhaseTwoRetry() override;

  void finish_later(std::shared_ptr<Transaction> txn, std::size_t index) override;

  // Registers a transaction found after the fact, decided `decided` (COMMITTING or
  // ABORTING), and queues phase two for each of its branches. `reason` says who found it
  // (startup | orphan | operator), for metrics and events.
  std::shared_ptr<Transaction> adopt(const std::string& txn_id, TxnState decided,
                                     const std::vector<BranchRef>& branches,
                                     const std::string& reason, bool recorded, bool forced);

  // Retries `txn`'s queued branches now instead of after their backoff; how many.
  std::size_t hurry(const std::shared_ptr<Transaction>& txn);

  std::size_t pending() const;  // branches waiting for phase two
  std::size_t stuck() const;    // of those, waiting longer than stuck_after
  // The age of the oldest waiting branch (zero when none waits).
  std::chrono::milliseconds oldest_age() const;
  void stop();

 private:
  struct Work {
    std::shared_ptr<Transaction> txn;
    std::size_t index;
    std::string reason;  // startup | retry | orphan | operator
    SteadyTime first_at;
    SteadyTime next_at;
    std::chrono::milliseconds backoff;
  };
  struct Queue {
    RecoveryParticipant* participant;
    std::vector<Work> work;
    std::unique_ptr<Timer> wake;
    SteadyTime ready_at{};  // backoff after a lost connection
    std::chrono::milliseconds backoff{0};
  };
  enum class Attempt { kDone, kRetry, kUnreachable };

  boost::asio::awaitable<void> drive(Queue& q);
  boost::asio::awaitable<Attempt> attempt(Queue& q, const Work& w);
  void enqueue(Queue& q, Work w);
  void completed(Queue& q, Work& w);
  Queue& queue_of(const std::string& participant);

  RecoveryContext& context_;
  std::map<std::string, Queue> queues_;
  bool stopped_ = false;
};

}  // namespace xacoord
