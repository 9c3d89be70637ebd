// Start-up recovery, before the coordinator reports ready: sessions an earlier run of this
// node left running on a server are killed (they could prepare a branch later); then
// every commit decision in the store is committed on every branch, and every other
// prepared branch of this node that XA RECOVER lists is rolled back (presumed abort).
// Branches of other nodes and other format ids are never touched (docs/recovery.md).
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstddef>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coordinator/recovery/phase_two_retry.h"
#include "coordinator/recovery/recovery_context.h"

namespace xacoord {

class StartupRecovery {
 public:
  StartupRecovery(RecoveryContext& context, PhaseTwoRetry& retry)
      : context_(context), retry_(retry) {}

  // Returns once every branch it found is finished. Retries while a database is
  // unreachable (the coordinator stays not ready meanwhile).
  boost::asio::awaitable<void> run();
  void stop() { stopped_ = true; }
  // Branches of other nodes or other format ids seen (and left alone).
  std::size_t foreign_seen() const { return foreign_seen_; }

 private:
  // Kills the sessions of this node's earlier runs still running on the server, then
  // lists the prepared branches; retries until the server answers.
  boost::asio::awaitable<std::vector<Xid>> recover_list(RecoveryParticipant& p);

  RecoveryContext& context_;
  PhaseTwoRetry& retry_;
  std::size_t foreign_seen_ = 0;
  bool stopped_ = false;
};

}  // namespace xacoord
