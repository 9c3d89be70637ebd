// The pay and the cancel of the saga architecture (docs/architectures/saga.md). The steps
// themselves are in saga_steps.cc, the order they run in is saga_driver.cc, and who finishes
// a saga a request could not is saga_resumption.cc; here: what a request waits for, and
// which answer it gets.
#include "coordinator/architectures/saga/saga_architecture.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "common/check.h"
#include "common/crash_points.h"
#include "common/errors.h"
#include "coordinator/domain/local_session.h"
#include "coordinator/domain/problem_mapping.h"
#include "coordinator/observability/event_log.h"
#include "coordinator/recovery/recovery_context.h"
#include "participants/db_error.h"
#include "participants/orders_sql.h"
#include "protocol/txn_id.h"

namespace xacoord {

namespace asio = boost::asio;
using saga::Kind;
using saga::Phase;

namespace {

std::string order_text(std::int64_t order_id) {
  return "order " + std::to_string(order_id);
}

bool is_duplicate(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const db::DbError& e) {
    return e.kind() == db::ErrorKind::kDuplicate;
  } catch (...) {
    return false;
  }
}

}  // namespace

SagaArchitecture::SagaArchitecture(asio::any_io_executor executor, db::Pool& orders,
                                   db::Pool& payments, const HealthMonitor& health,
                                   const Idempotency& idempotency, CoordinatorMetrics& metrics,
                                   Clock& clock, Options options)
    : executor_(std::move(executor)),
      orders_(orders),
      payments_(payments),
      health_(health),
      idempotency_(idempotency),
      clock_(clock),
      options_(std::move(options)),
      saga_metrics_(metrics.registry()),
      steps_(orders, payments, idempotency, clock,
             saga::SagaSteps::Options{options_.node_id, options_.deadline}),
      closer_(orders, payments, clock,
              saga::LogCloser::Options{std::chrono::milliseconds(10), options_.max_backoff,
                                       options_.deadline}),
      driver_(steps_, closer_, saga_metrics_, metrics, clock),
      recovery_(orders, payments, clock,
                saga::SagaRecovery::Options{options_.node_id, options_.first_backoff,
                                            options_.max_backoff, options_.deadline}),
      open_(clock) {
  metrics.registry().gauge_fn("xacoord_sagas_open",
                              "Sagas begun and not finished (their requests' and the background's)",
                              {}, [this] { return static_cast<double>(open_.size()); });
  metrics.registry().gauge_fn("xacoord_saga_log_closes_pending",
                              "Finished sagas whose log row is not closed yet", {},
                              [this] { return static_cast<double>(closer_.pending()); });
}

std::string SagaArchitecture::next_saga_id() {
  return TxnId{options_.node_id, options_.epoch, next_seq_++}.to_string();
}

ArchitectureStatus SagaArchitecture::status() const {
  // Until recovery has read both logs, what an earlier run left open is not known: not
  // settled, whatever memory says.
  return ArchitectureStatus{requests_ + background_, closer_.pending() + (listed_ ? 0 : 1)};
}

void SagaArchitecture::start_closer() {
  if (closer_started_) return;
  closer_started_ = true;
  asio::co_spawn(executor_, closer_.run(), asio::detached);
}

void SagaArchitecture::stop() {
  stopped_ = true;
  closer_.stop();
}

void SagaArchitecture::finish(const SagaPtr& s, bool counted) {
  XA_CHECK(saga::finished(s->phase),
           "saga " + s->id + " finished in phase " + std::string(saga::name_of(s->phase)));
  if (counted) {
    saga_metrics_.finished(s->kind, s->phase);
    nlohmann::json fields{{"saga_id", s->id},
                          {"kind", std::string(saga::name_of(s->kind))},
                          {"order_id", s->order_id},
                          {"outcome", std::string(saga::name_of(s->phase))}};
    if (s->first_step_committed) {
      fields["window_ms"] =
          std::chrono::duration<double, std::milli>(clock_.now() - *s->first_step_committed)
              .count();
    }
    log_event("saga", std::move(fields));
  }
  open_.finish(s);
}

// ---- requests ----

asio::awaitable<void> SagaArchitecture::wait_for_open(std::int64_t order_id, Kind kind,
                                                      SteadyTime until) {
  for (;;) {
    SagaPtr open = open_.find(order_id, kind);
    if (!open) co_return;
    bool done = co_await open_.wait(open, until);
    if (!done) {
      throw ProblemError(problems::unavailable(
          "a " + std::string(saga::name_of(kind)) + " of " + order_text(order_id) + " (saga " +
              open->id +
              ") is still being finished; retry (with the same Idempotency-Key) for its outcome",
          1));
    }
  }
}

Answer SagaArchitecture::pay_outcome(const saga::Saga& s) const {
  if (s.phase == Phase::kPaid) return saga::paid_answer(s);
  XA_CHECK(s.phase == Phase::kCompensated,
           "pay saga " + s.id + " answered in phase " + std::string(saga::name_of(s.phase)));
  throw ProblemError(problems::order_not_payable(
      order_text(s.order_id) + " is " +
      (s.refused_status.empty() ? "CANCELLED" : s.refused_status) +
      ": it was cancelled while it was being paid, and the charge was refunded"));
}

asio::awaitable<Answer> SagaArchitecture::pay(std::int64_t order_id,
                                              std::optional<IdempotencyKey> key) {
  saga::Counted counted(requests_);
  std::exception_ptr failure;
  try {
    co_return co_await pay_saga(order_id, key);
  } catch (const ProblemError&) {
    throw;
  } catch (...) {
    failure = std::current_exception();
  }
  throw ProblemError(problem_for(failure));
}

asio::awaitable<Answer> SagaArchitecture::cancel(std::int64_t order_id,
                                                 std::optional<IdempotencyKey> key) {
  saga::Counted counted(requests_);
  std::exception_ptr failure;
  try {
    co_return co_await cancel_saga(order_id, key);
  } catch (const ProblemError&) {
    throw;
  } catch (...) {
    failure = std::current_exception();
  }
  throw ProblemError(problem_for(failure));
}

asio::awaitable<Answer> SagaArchitecture::pay_saga(std::int64_t order_id,
                                                   const std::optional<IdempotencyKey>& key) {
  const SteadyTime until = deadline();
  health_.require_up(orders_);
  health_.require_up(payments_);
  co_await wait_for_open(order_id, Kind::kPay, until);

  std::vector<std::string> reads;
  reads.push_back(db::orders::find_order_sql(order_id));
  if (auto find = idempotency_.find_sql(key)) reads.push_back(std::move(*find));
  db::Results read = co_await run_local(orders_, until, std::move(reads));
  if (key && read.size() > 1 && read[1]) {
    if (auto replay = idempotency_.stored_answer(key, *read[1])) co_return *replay;
  }
  auto order = db::orders::order_from(*read.at(0));
  if (!order) throw ProblemError(problems::not_found("no " + order_text(order_id)));
  if (order->status != "PENDING") {
    throw ProblemError(problems::order_not_payable(order_text(order_id) + " is " + order->status));
  }

  auto s = std::make_shared<saga::Saga>();
  s->id = next_saga_id();
  s->kind = Kind::kPay;
  s->phase = Phase::kCharging;
  s->order_id = order_id;
  s->account_id = order->account_id;
  s->amount_cents = order->amount_cents;
  s->key = key;
  open_.add(s);  // before anything is sent: a retry of this pay now waits for it
  crash_point(CrashPoint::kSagaBeforeStep1);
  std::exception_ptr failure;
  try {
    co_await steps_.charge(*s);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (!saga::certainly_not_committed(failure)) {
      hand_to_background(s);  // settles whether it committed, and goes on from there
      throw ProblemError(problems::unavailable(
          "the charge of " + order_text(order_id) + " (saga " + s->id +
              ") got no answer: " + describe(failure) +
              "; the pay will be completed or undone, retry with the same Idempotency-Key for "
              "its outcome",
          1));
    }
    s->phase = Phase::kNeverCharged;
    finish(s);
    if (is_duplicate(failure)) {
      throw ProblemError(problems::unavailable(
          order_text(order_id) + " has a payment of another pay that is still finishing; retry",
          1));
    }
    std::rethrow_exception(failure);
  }
  s->phase = Phase::kCharged;
  s->first_step_committed = clock_.now();
  crash_point(CrashPoint::kSagaAfterStep1);
  try {
    co_await driver_.advance(*s);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    const std::string phase(saga::name_of(s->phase));
    hand_to_background(s);
    throw ProblemError(problems::unavailable(
        order_text(order_id) + " is charged and its pay (saga " + s->id + ") is not finished (" +
            phase + ": " + describe(failure) +
            "); it will be completed or refunded, retry with the same Idempotency-Key for its "
            "outcome",
        1));
  }
  finish(s);
  co_return pay_outcome(*s);
}

asio::awaitable<Answer> SagaArchitecture::cancel_saga(std::int64_t order_id,
                                                      const std::optional<IdempotencyKey>& key) {
  const SteadyTime until = deadline();
  health_.require_up(orders_);
  co_await wait_for_open(order_id, Kind::kCancel, until);

  auto s = std::make_shared<saga::Saga>();
  s->id = next_saga_id();
  s->kind = Kind::kCancel;
  s->phase = Phase::kNotCancelled;  // until the order is found PAID (cancel_order)
  s->order_id = order_id;
  open_.add(s);  // a second cancel of the order waits for this one
  std::exception_ptr failure;
  saga::SagaSteps::CancelOutcome outcome;
  try {
    outcome = co_await steps_.cancel_order(*s, key);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (s->phase == Phase::kCancelling && !saga::certainly_not_committed(failure)) {
      // A paid order's cancel that may have committed: its refund must not be forgotten.
      hand_to_background(s);
      throw ProblemError(problems::unavailable(
          "the cancel of " + order_text(order_id) + " (saga " + s->id +
              ") got no answer: " + describe(failure) +
              "; if it committed its refund follows, retry with the same Idempotency-Key for "
              "its outcome",
          1));
    }
    s->phase = Phase::kNotCancelled;
    finish(s, false);
    std::rethrow_exception(failure);
  }
  if (outcome.what != saga::SagaSteps::Cancelled::kWasPaid) {
    finish(s, false);
    co_return outcome.answer;
  }
  crash_point(CrashPoint::kSagaAfterCancelStep1);
  try {
    co_await driver_.advance(*s);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    hand_to_background(s);
    throw ProblemError(problems::unavailable(
        order_text(order_id) + " is CANCELLED and its refund (saga " + s->id +
            ") is not finished (" + describe(failure) +
            "); it will be refunded, retry with the same Idempotency-Key for the answer",
        1));
  }
  finish(s);
  co_return outcome.answer;
}

}  // namespace xacoord
