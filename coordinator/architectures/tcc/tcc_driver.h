// Drives a TCC global transaction from the phase it is in to a finished one, step by step:
// the same code for the pay that began it, for a cancel that meets its PAYING order, for
// start-up recovery and for the background retries, so a transaction resumed after a crash
// takes the path it would have taken without one (docs/architectures/tcc.md, "States").
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <boost/asio/awaitable.hpp>

#include "coordinator/architectures/tcc/tcc_branches.h"
#include "coordinator/observability/coordinator_metrics.h"

namespace xacoord::tcc {

class TccDriver {
 public:
  TccDriver(TccBranches& branches, CoordinatorMetrics& metrics)
      : branches_(branches), metrics_(metrics) {}

  // Steps until the transaction is finished; throws what a step threw (the phase then says
  // where to go on from). At most kMaxSteps steps: every phase moves forward.
  boost::asio::awaitable<void> advance(Txn& txn);

 private:
  static constexpr int kMaxSteps = 8;
  boost::asio::awaitable<void> step(Txn& txn);

  TccBranches& branches_;
  CoordinatorMetrics& metrics_;
};

}  // namespace xacoord::tcc
