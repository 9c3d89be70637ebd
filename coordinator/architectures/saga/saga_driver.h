// Drives a saga from the phase it is in to a finished one, step by step: the same code for
// the request that began it, for start-up recovery and for the background retries, so a
// saga resumed after a crash takes exactly the path it would have taken without one
// (docs/architectures/saga.md, "States").
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <boost/asio/awaitable.hpp>

#include "coordinator/architectures/saga/log_closer.h"
#include "coordinator/architectures/saga/saga_metrics.h"
#include "coordinator/architectures/saga/saga_steps.h"
#include "coordinator/observability/coordinator_metrics.h"

namespace xacoord::saga {

class SagaDriver {
 public:
  SagaDriver(SagaSteps& steps, LogCloser& closer, SagaMetrics& metrics,
             CoordinatorMetrics& coordinator_metrics, Clock& clock)
      : steps_(steps),
        closer_(closer),
        metrics_(metrics),
        coordinator_metrics_(coordinator_metrics),
        clock_(clock) {}

  // Runs steps until the saga is finished. Throws the first step's failure; the saga's
  // phase then says where to go on from.
  boost::asio::awaitable<void> advance(Saga& saga);

 private:
  boost::asio::awaitable<void> step(Saga& saga);
  void window_closed(const Saga& saga);

  SagaSteps& steps_;
  LogCloser& closer_;
  SagaMetrics& metrics_;
  CoordinatorMetrics& coordinator_metrics_;
  Clock& clock_;
};

}  // namespace xacoord::saga
