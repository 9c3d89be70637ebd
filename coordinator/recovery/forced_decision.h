// An operator's forced outcome for an in-doubt transaction (`xacoord txn commit|rollback
// --force`, docs/operations.md). Refused when it contradicts a recorded decision, the
// transaction is still live here, start-up recovery has not finished, or another force is
// in progress; otherwise recorded in the decision store as a heuristic decision and handed
// to phase-two retry — atomically with respect to the orphan scan (docs/model.md).
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstddef>
#include <memory>
#include <optional>
#include <set>
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
  std::optional<std::string> refusal(const std::string& txn_id, bool commit,
                                     const DecisionState& state,
                                     const std::shared_ptr<Transaction>& known,
                                     bool* in_doubt) const;

  RecoveryContext& context_;
  PhaseTwoRetry& retry_;
};

}  // namespace xacoord
