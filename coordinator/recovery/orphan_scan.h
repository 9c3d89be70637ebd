// Orphans: a prepared branch of ours that no live transaction owns and no decision
// covers — the branch of a transaction whose coordinator died between XA PREPARE and its
// answer, say. It is rolled back (or committed, if a decision covers it) only when two
// scans a grace period apart both see it, so a transaction in the middle of its prepare
// is never touched (docs/recovery.md, "Orphans").
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <map>

#include <boost/asio/awaitable.hpp>

#include "coordinator/recovery/phase_two_retry.h"
#include "coordinator/recovery/recovery_context.h"

namespace xacoord {

class OrphanScan {
 public:
  OrphanScan(RecoveryContext& context, PhaseTwoRetry& retry) : context_(context), retry_(retry) {}

  // One scan of every participant (run periodically by the xa architecture).
  boost::asio::awaitable<void> scan();

 private:
  RecoveryContext& context_;
  PhaseTwoRetry& retry_;
  // Per participant, the orphan candidates and when each was first seen.
  std::map<std::string, std::map<Xid, SteadyTime>> suspects_;
};

}  // namespace xacoord
