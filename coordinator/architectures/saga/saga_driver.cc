#include "coordinator/architectures/saga/saga_driver.h"

#include "common/check.h"
#include "common/crash_points.h"

namespace xacoord::saga {

namespace asio = boost::asio;
using log_sql::State;

asio::awaitable<void> SagaDriver::advance(Saga& saga) {
  while (!finished(saga.phase))
    co_await step(saga);
}

void SagaDriver::window_closed(const Saga& saga) {
  if (saga.first_step_committed) metrics_.window(clock_.now() - *saga.first_step_committed);
}

asio::awaitable<void> SagaDriver::step(Saga& saga) {
  switch (saga.phase) {
    case Phase::kCharging: {
      State state = co_await steps_.settle_charge(saga);
      switch (state) {
        case State::kAborted:
          saga.phase = Phase::kNeverCharged;
          break;
        case State::kCharged:
          if (!saga.first_step_committed) saga.first_step_committed = clock_.now();
          saga.phase = Phase::kCharged;
          break;
        case State::kPaid:
          saga.phase = Phase::kPaid;
          break;
        case State::kCompensated:
          saga.phase = Phase::kCompensated;
          break;
        default:
          XA_CHECK(false, "the pay saga " + saga.id + " has a log row in state " +
                              std::string(log_sql::name_of(state)));
      }
      co_return;
    }
    case Phase::kCharged: {
      SagaSteps::MarkPaid paid = co_await steps_.mark_paid(saga);
      if (paid.outcome == SagaSteps::Step2::kRefused) {
        saga.refused_status = paid.status;
        saga.phase = Phase::kCompensating;
        crash_point(CrashPoint::kSagaBeforeCompensation);
        co_return;
      }
      saga.phase = Phase::kPaid;
      window_closed(saga);
      closer_.close(Kind::kPay, saga.id);
      crash_point(CrashPoint::kSagaAfterStep2);
      co_return;
    }
    case Phase::kCompensating: {
      bool refunded_now = co_await steps_.compensate(saga);
      if (refunded_now) metrics_.compensation();
      saga.phase = Phase::kCompensated;
      window_closed(saga);
      crash_point(CrashPoint::kSagaAfterCompensation);
      co_return;
    }
    case Phase::kCancelling: {
      bool committed = co_await steps_.settle_cancel(saga);
      if (committed && !saga.first_step_committed) saga.first_step_committed = clock_.now();
      saga.phase = committed ? Phase::kRefundDue : Phase::kNotCancelled;
      co_return;
    }
    case Phase::kRefundDue: {
      bool refunded_now = co_await steps_.refund(saga);
      if (refunded_now) coordinator_metrics_.refund();
      saga.phase = Phase::kRefunded;
      window_closed(saga);
      closer_.close(Kind::kCancel, saga.id);
      crash_point(CrashPoint::kSagaAfterRefund);
      co_return;
    }
    default:
      co_return;  // finished
  }
}

}  // namespace xacoord::saga
