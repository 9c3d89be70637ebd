// Recovery: brings every branch of this coordinator to its outcome, whatever crashed
// (docs/recovery.md). One object per coordinator, made of four parts with one job each:
//
//   phase_two_retry.h   phase two that failed on a branch's own session, retried until
//                       the server confirms; adopted transactions' branches;
//   startup_recovery.h  before ready: kill the earlier run's sessions, commit what the
//                       store decided, roll back the rest of this node's prepared branches;
//   orphan_scan.h       prepared branches nobody owns, rolled back after two sightings;
//   forced_decision.h   the operator's forced commit or rollback.
//
// Runs on the coordinator's io_context thread; database work goes through recovery's own
// session on each participant.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "coordinator/recovery/forced_decision.h"
#include "coordinator/recovery/orphan_scan.h"
#include "coordinator/recovery/phase_two_retry.h"
#include "coordinator/recovery/recovery_context.h"
#include "coordinator/recovery/startup_recovery.h"

namespace xacoord {

class Resolver {
 public:
  Resolver(boost::asio::any_io_executor executor, const std::vector<db::Pool*>& participants,
           TransactionTable& table, DecisionStore& store, CoordinatorMetrics& metrics, Clock& clock,
           RecoveryOptions options);

  // Where the engine hands phase two it could not finish.
  PhaseTwoHandoff& handoff() { return retry_; }

  boost::asio::awaitable<void> recover_at_startup() { return startup_.run(); }
  boost::asio::awaitable<void> scan_orphans() { return orphans_.scan(); }
  boost::asio::awaitable<ForceResult> force(std::string txn_id, bool commit, std::string reason) {
    return forced_.force(std::move(txn_id), commit, std::move(reason));
  }

  std::size_t pending() const { return retry_.pending(); }
  std::size_t stuck() const { return retry_.stuck(); }
  std::chrono::milliseconds oldest_in_doubt() const { return retry_.oldest_age(); }
  std::size_t foreign_seen() const { return startup_.foreign_seen(); }
  void stop();

 private:
  static RecoveryContext make_context(boost::asio::any_io_executor executor,
                                      const std::vector<db::Pool*>& participants,
                                      TransactionTable& table, DecisionStore& store,
                                      CoordinatorMetrics& metrics, Clock& clock,
                                      RecoveryOptions options);

  RecoveryContext context_;
  PhaseTwoRetry retry_;
  StartupRecovery startup_;
  OrphanScan orphans_;
  ForcedDecisions forced_;
};

}  // namespace xacoord
