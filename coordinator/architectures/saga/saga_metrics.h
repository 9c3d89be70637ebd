// The saga architecture's metrics (docs/architectures/saga.md, "Measured"): sagas finished
// by outcome, compensations, and the inconsistency window — from a saga's first commit to
// its last, the time the two databases disagree (a charge without a paid order, a cancelled
// order whose payment is not refunded yet).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "coordinator/architectures/saga/saga.h"
#include "coordinator/observability/metrics.h"

namespace xacoord::saga {

class SagaMetrics {
 public:
  explicit SagaMetrics(metrics::Registry& registry);

  // A saga reached a finished phase.
  void finished(Kind kind, Phase phase);
  // A charge was refunded because its order was cancelled first.
  void compensation() { compensations_.inc(); }
  // From the first step's commit to the last step's (or the compensation's).
  void window(std::chrono::steady_clock::duration took);

  std::uint64_t compensations() const { return compensations_.value(); }
  double max_window_seconds() const { return max_window_->value(); }

 private:
  metrics::Counter& compensations_;
  metrics::Histogram& window_;
  metrics::Gauge* max_window_;
  std::map<std::pair<Kind, Phase>, metrics::Counter*> finished_;
};

}  // namespace xacoord::saga
