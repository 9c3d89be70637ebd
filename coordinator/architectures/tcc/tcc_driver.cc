#include "coordinator/architectures/tcc/tcc_driver.h"

#include "common/check.h"
#include "common/crash_points.h"
#include "coordinator/domain/problem_mapping.h"
#include "protocol/problem.h"

namespace xacoord::tcc {

namespace asio = boost::asio;
using sql::State;

asio::awaitable<void> TccDriver::advance(Txn& txn) {
  for (int n = 0; !finished(txn.phase); ++n) {
    XA_CHECK(n < kMaxSteps, "the tcc transaction " + txn.gid + " did not finish in " +
                                std::to_string(kMaxSteps) + " steps (phase " +
                                std::string(name_of(txn.phase)) + ")");
    co_await step(txn);
  }
}

asio::awaitable<void> TccDriver::step(Txn& txn) {
  switch (txn.phase) {
    case Phase::kTryingOrders: {
      // The orders Try's answer was lost: a Try that committed is cancelled (its payments
      // Try never ran); one that did not is stopped for good by the probe's row.
      bool tried = co_await branches_.settle_orders_try(txn);
      txn.phase = tried ? Phase::kDecidingCancel : Phase::kNotTried;
      co_return;
    }
    case Phase::kOrdersTried: {
      std::exception_ptr failure;
      bool tried = false;
      try {
        tried = co_await branches_.try_payments(txn);
      } catch (...) {
        failure = std::current_exception();
      }
      if (failure) {
        // Refused (funds, account), rolled back, or lost: every one ends in Cancel, whose
        // barrier tells a Try that committed from one that did not.
        txn.refusal = certainly_not_committed(failure)
                          ? problem_for(failure)
                          : problems::unavailable(
                                "the payments Try got no answer; the pay is "
                                "cancelled and nothing stays charged, retry",
                                1);
        txn.phase = Phase::kDecidingCancel;
        co_return;
      }
      if (tried) crash_point(CrashPoint::kTccAfterTryPayments);
      txn.phase = tried ? Phase::kDecidingConfirm : Phase::kDecidingCancel;
      co_return;
    }
    case Phase::kDecidingConfirm:
    case Phase::kDecidingCancel: {
      const State wanted =
          txn.phase == Phase::kDecidingConfirm ? State::kConfirming : State::kCancelling;
      State decided = co_await branches_.decide(txn, wanted);
      txn.phase = sql::decided_confirm(decided) ? Phase::kConfirming : Phase::kCancelling;
      crash_point(CrashPoint::kTccAfterDecision);
      co_return;
    }
    case Phase::kConfirming: {
      co_await branches_.confirm_payments(txn);
      crash_point(CrashPoint::kTccAfterConfirmPayments);
      co_await branches_.confirm_orders(txn);
      txn.phase = Phase::kConfirmed;
      crash_point(CrashPoint::kTccAfterConfirmOrders);
      co_return;
    }
    case Phase::kCancelling: {
      // Payments first: the order stays PAYING, so no new pay can freeze for it, until
      // its funds are back.
      co_await branches_.cancel_payments(txn);
      crash_point(CrashPoint::kTccAfterCancelPayments);
      co_await branches_.cancel_orders(txn);
      txn.phase = Phase::kCancelled;
      crash_point(CrashPoint::kTccAfterCancelOrders);
      co_return;
    }
    case Phase::kCancellingPaid: {
      bool committed = co_await branches_.settle_cancel(txn);
      txn.phase = committed ? Phase::kRefunding : Phase::kNotCancelled;
      co_return;
    }
    case Phase::kRefunding: {
      sql::Verdict verdict = co_await branches_.refund_payments(txn);
      if (verdict == sql::Verdict::kFirst) metrics_.refund();
      crash_point(CrashPoint::kTccAfterRefundPayments);
      co_await branches_.close_refund(txn);
      txn.phase = Phase::kRefunded;
      co_return;
    }
    default:
      co_return;  // finished
  }
}

}  // namespace xacoord::tcc
