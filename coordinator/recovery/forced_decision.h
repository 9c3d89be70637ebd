// An operator's forced outcome for an in-doubt transaction (`xacoord txn commit|rollback
// --force`, docs/operations.md). Refused when it contradicts a recorded decision or the
// transaction is still live here; otherwise recorded in the decision store as a heuristic
// decision and handed to phase-two retry.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "coordinator/recovery/phase_two_retry.h"
#include "coordinator/recovery/recovery_context.h"

namespace xacoord {

struct ForceResult {
  bool accepted = false;
  std::string detail;
  std::size_t branches = 0;
};

class ForcedDecisions {
 public:
  ForcedDecisions(RecoveryContext& context, PhaseTwoRetry& retry)
      : context_(context), retry_(retry) {}

  boost::asio::awaitable<ForceResult> force(std::string txn_id, bool commit, std::string reason);

 private:
  RecoveryContext& context_;
  PhaseTwoRetry& retry_;
};

}  // namespace xacoord
