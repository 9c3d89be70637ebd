// The local transactions of the saga architecture (docs/architectures/saga.md, "Sequence"),
// one database each, and how each is made safe to run again:
//  - charge (pay step 1, payments): the log row CHARGED, the debit, the CAPTURED payment.
//    Its log row's unique key is the barrier: settle_charge races a tombstone for it.
//  - mark_paid (pay step 2, orders): PENDING -> PAID under the order's row lock; an order
//    whose pay_txn_id is the saga's was marked by an earlier attempt.
//  - compensate (payments): the refund of the charge, guarded by the log row's state and
//    moving it to COMPENSATED in the same local transaction.
//  - cancel_order (orders): the cancel itself; a PAID order gets its log row REFUND_DUE.
//  - refund (cancel step 2, payments): guarded by the payment's status and refund_txn_id.
// Every one of them locks what it reads first, so a repeat waits for an earlier attempt
// still running in the server and then sees whether it committed.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "coordinator/architectures/saga/saga.h"
#include "coordinator/architectures/saga/saga_log_sql.h"
#include "coordinator/domain/idempotency.h"
#include "participants/orders_sql.h"
#include "participants/pool.h"

namespace xacoord::saga {

// The answer of a pay that ended PAID: the same whoever finished the saga, so that step 2
// can store it under the pay's Idempotency-Key.
Answer paid_answer(const Saga& saga);

// Whether a failed step certainly did not commit: it was refused (a constraint, a
// duplicate), rolled back by the server (deadlock, lock wait), or never reached a server.
// Anything else (a lost connection, a read timeout) leaves the outcome unknown.
bool certainly_not_committed(const std::exception_ptr& failure);

class SagaSteps {
 public:
  struct Options {
    std::string node_id = "1";
    std::chrono::milliseconds deadline{10'000};
  };

  SagaSteps(db::Pool& orders, db::Pool& payments, const Idempotency& idempotency, Clock& clock,
            Options options);

  // Pay, step 1. Throws db::DbError: kConstraint (short of funds, no such account) and
  // kDuplicate (the order has a payment already) refuse it.
  boost::asio::awaitable<void> charge(const Saga& saga);
  // Whether a charge whose answer was lost committed: inserts the saga's log row as a
  // tombstone (ABORTED). If it goes in, the charge never committed and can no longer (its
  // own insert of the row would fail); if the row is there, the charge committed and its
  // state is returned. A charge still running in the server is waited for on the row's lock.
  boost::asio::awaitable<log_sql::State> settle_charge(const Saga& saga);

  enum class Step2 { kApplied, kAlreadyApplied, kRefused };
  struct MarkPaid {
    Step2 outcome = Step2::kApplied;
    std::string status;  // the order's status when refused
  };
  // Pay, step 2, with the pay's answer stored under its key.
  boost::asio::awaitable<MarkPaid> mark_paid(const Saga& saga);
  // True if it refunded now, false if an earlier attempt had.
  boost::asio::awaitable<bool> compensate(const Saga& saga);

  enum class Cancelled { kReplayed, kAlreadyCancelled, kWasPending, kWasPaid };
  struct CancelOutcome {
    Cancelled what = Cancelled::kWasPending;
    Answer answer;
  };
  // The cancel's local transaction on orders. `saga` has its id and order id; the order's
  // account and amount are filled in. For a PAID order its phase is kCancelling while the
  // commit is on its way and kRefundDue once it is known to have committed. Throws
  // ProblemError 404 (no order), 422 (key reused), db::DbError.
  boost::asio::awaitable<CancelOutcome> cancel_order(Saga& saga,
                                                     const std::optional<IdempotencyKey>& key);
  // Whether a cancel of a paid order whose answer was lost committed.
  boost::asio::awaitable<bool> settle_cancel(const Saga& saga);
  // Cancel, step 2. True if it refunded now, false if an earlier attempt had.
  boost::asio::awaitable<bool> refund(const Saga& saga);

  const std::string& marker() const { return marker_; }

 private:
  SteadyTime deadline() const { return clock_.now() + options_.deadline; }

  db::Pool& orders_;
  db::Pool& payments_;
  const Idempotency& idempotency_;
  Clock& clock_;
  Options options_;
  std::string marker_;
};

}  // namespace xacoord::saga
