#include "coordinator/architectures/saga/saga_steps.h"

#include "common/check.h"
#include "common/crash_points.h"
#include "coordinator/domain/local_transaction.h"
#include "coordinator/domain/local_session.h"
#include "coordinator/engine/two_phase_commit.h"
#include "participants/db_error.h"
#include "participants/payments_sql.h"
#include "participants/sql_text.h"
#include "protocol/api_types.h"
#include "protocol/problem.h"

namespace xacoord::saga {

namespace asio = boost::asio;

namespace {

std::string order_text(std::int64_t order_id) {
  return "order " + std::to_string(order_id);
}

// The account row first, then the payment: the order in which a charge takes them (and
// participants/payments_sql.h's refund), so two steps on one account never wait in a cycle.
std::string lock_account_sql(const std::string& account_id) {
  return "SELECT balance_cents FROM accounts WHERE account_id = " + db::quote(account_id) +
         " FOR UPDATE";
}

std::string lock_payment_sql(std::int64_t order_id) {
  return "SELECT status, txn_id, refund_txn_id FROM payments WHERE order_id = " +
         std::to_string(order_id) + " FOR UPDATE";
}

// The key's answer as read in the step's transaction (null without a key).
const db::Rows* found_answer(const db::Results& reads, const std::optional<IdempotencyKey>& key) {
  return key && reads.size() > 1 && reads[1] ? &*reads[1] : nullptr;
}

}  // namespace

Answer paid_answer(const Saga& saga) {
  return Answer{200, api::dump(api::to_json(api::PayResult{
                         saga.order_id, db::payments::payment_id_for(saga.order_id), saga.id}))};
}

bool certainly_not_committed(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const db::PoolExhausted&) {
    return true;  // no session: nothing was sent
  } catch (const db::DbError& e) {
    if (e.no_session()) return true;
    switch (e.kind()) {
      case db::ErrorKind::kConstraint:
      case db::ErrorKind::kDuplicate:
      case db::ErrorKind::kDeadlock:
      case db::ErrorKind::kLockTimeout:
      case db::ErrorKind::kRolledBack:
        // A statement before the COMMIT failed; the server runs none of the batch's
        // statements after a failing one, and the session is closed: rolled back.
        return true;
      default:
        return false;
    }
  } catch (...) {
    return false;
  }
}

SagaSteps::SagaSteps(db::Pool& orders, db::Pool& payments, const Idempotency& idempotency,
                     Clock& clock, Options options)
    : orders_(orders),
      payments_(payments),
      idempotency_(idempotency),
      clock_(clock),
      options_(std::move(options)),
      marker_(session_marker(options_.node_id)) {}

asio::awaitable<void> SagaSteps::charge(const Saga& saga) {
  std::vector<std::string> statements;
  statements.push_back("START TRANSACTION");
  // The log row first: a tombstone racing for its key (settle_charge) waits on this
  // transaction, however long its debit then waits for the account row.
  statements.push_back(log_sql::insert_sql(saga, options_.node_id, log_sql::State::kCharged));
  for (auto& s :
       db::payments::capture_sql(saga.order_id, saga.account_id, saga.amount_cents, saga.id))
    statements.push_back(std::move(s));
  statements.push_back("COMMIT");
  tag(statements, marker_);
  co_await run_local(payments_, deadline(), std::move(statements));
}

asio::awaitable<log_sql::State> SagaSteps::settle_charge(const Saga& saga) {
  std::vector<std::string> tombstone;
  tombstone.push_back(marker_ +
                      log_sql::insert_sql(saga, options_.node_id, log_sql::State::kAborted));
  bool exists = false;
  try {
    co_await run_local(payments_, deadline(), std::move(tombstone));
  } catch (const db::DbError& e) {
    if (e.kind() != db::ErrorKind::kDuplicate) throw;
    exists = true;
  }
  if (!exists) co_return log_sql::State::kAborted;
  std::vector<std::string> read;
  read.push_back(log_sql::state_sql(saga.id));
  db::Results results = co_await run_local(payments_, deadline(), std::move(read));
  auto state = log_sql::state_from_rows(*results.at(0));
  XA_CHECK(state.has_value(), "the saga_log row of " + saga.id + " vanished after a duplicate");
  co_return *state;
}

asio::awaitable<SagaSteps::MarkPaid> SagaSteps::mark_paid(const Saga& saga) {
  std::vector<std::string> reads;
  reads.push_back(db::orders::lock_order_sql(saga.order_id));
  if (auto find = idempotency_.find_sql(saga.key)) reads.push_back(std::move(*find));
  LocalTransaction txn =
      co_await LocalTransaction::begin(orders_, deadline(), marker_, std::move(reads));
  auto order = db::orders::order_from(*txn.reads().at(0));
  XA_CHECK(order.has_value(), order_text(saga.order_id) + " of saga " + saga.id + " vanished");
  if (order->pay_txn_id == saga.id) {
    co_await txn.rollback();
    co_return MarkPaid{Step2::kAlreadyApplied, order->status};
  }
  if (order->status != "PENDING") {
    // One payment per order (its key is the order id): no other pay can have charged it.
    XA_CHECK(order->status == "CANCELLED", order_text(saga.order_id) + " is " + order->status +
                                               " by " + order->pay_txn_id.value_or("nobody") +
                                               " while saga " + saga.id + " holds its payment");
    co_await txn.rollback();
    co_return MarkPaid{Step2::kRefused, order->status};
  }
  crash_point(CrashPoint::kSagaBeforeStep2);
  std::vector<std::string> writes;
  writes.push_back(db::orders::mark_paid_sql(saga.order_id, saga.id));
  if (const db::Rows* found = found_answer(txn.reads(), saga.key)) {
    // A key that holds an unexpired answer already belongs to another request that used
    // the same key (a client's mistake): that answer stays.
    auto stored = db::orders::answer_from(*found);
    if (!stored || stored->expired) {
      for (auto& s : idempotency_.store_sql(saga.key, paid_answer(saga), found))
        writes.push_back(std::move(s));
    }
  } else {
    for (auto& s : idempotency_.store_sql(saga.key, paid_answer(saga), nullptr))
      writes.push_back(std::move(s));
  }
  co_await txn.commit(std::move(writes));
  co_return MarkPaid{Step2::kApplied, "PAID"};
}

asio::awaitable<bool> SagaSteps::compensate(const Saga& saga) {
  std::vector<std::string> reads;
  reads.push_back(lock_account_sql(saga.account_id));
  reads.push_back(log_sql::lock_state_sql(saga.id));
  LocalTransaction txn =
      co_await LocalTransaction::begin(payments_, deadline(), marker_, std::move(reads));
  auto state = log_sql::state_from_rows(*txn.reads().at(1));
  XA_CHECK(state.has_value(), "saga " + saga.id + " is compensated but has no saga_log row");
  if (*state == log_sql::State::kCompensated) {
    co_await txn.rollback();
    co_return false;
  }
  XA_CHECK(*state == log_sql::State::kCharged,
           "saga " + saga.id + " is compensated in state " + std::string(log_sql::name_of(*state)));
  std::vector<std::string> writes;
  writes.push_back(log_sql::set_state_sql(saga.id, log_sql::State::kCompensated));
  for (auto& s :
       db::payments::refund_sql(saga.order_id, saga.account_id, saga.amount_cents, saga.id))
    writes.push_back(std::move(s));
  db::Results results = co_await txn.run(std::move(writes));
  XA_CHECK(db::payments::refund_done(*results.back(), saga.account_id, saga.amount_cents, saga.id),
           "the compensation of saga " + saga.id + " found no CAPTURED payment of its own");
  std::vector<std::string> nothing_more;
  co_await txn.commit(std::move(nothing_more));
  co_return true;
}

asio::awaitable<SagaSteps::CancelOutcome> SagaSteps::cancel_order(
    Saga& saga, const std::optional<IdempotencyKey>& key) {
  std::vector<std::string> reads;
  reads.push_back(db::orders::lock_order_sql(saga.order_id));
  if (auto find = idempotency_.find_sql(key)) reads.push_back(std::move(*find));
  LocalTransaction txn =
      co_await LocalTransaction::begin(orders_, deadline(), marker_, std::move(reads));
  const db::Rows* found = found_answer(txn.reads(), key);
  std::optional<Answer> replay;
  if (found) replay = idempotency_.stored_answer(key, *found);
  if (replay) {
    co_await txn.rollback();
    co_return CancelOutcome{Cancelled::kReplayed, *replay};
  }
  auto order = db::orders::order_from(*txn.reads().at(0));
  if (!order) {
    co_await txn.rollback();
    throw ProblemError(problems::not_found("no " + order_text(saga.order_id)));
  }
  saga.account_id = order->account_id;
  saga.amount_cents = order->amount_cents;

  if (order->status == "CANCELLED") {
    // Cancelled before: answer with what was recorded then.
    Answer answer{200, api::dump(api::to_json(api::CancelResult{
                           saga.order_id, order->refunded, order->cancel_txn_id.value_or("")}))};
    std::vector<std::string> store = idempotency_.store_sql(key, answer, found);
    if (store.empty()) {
      co_await txn.rollback();
    } else {
      co_await txn.commit(std::move(store));
    }
    co_return CancelOutcome{Cancelled::kAlreadyCancelled, answer};
  }
  XA_CHECK(order->status == "PENDING" || order->status == "PAID",
           order_text(saga.order_id) + " has the unknown status " + order->status);
  const bool paid = order->status == "PAID";
  Answer answer{200, api::dump(api::to_json(api::CancelResult{saga.order_id, paid, saga.id}))};
  std::vector<std::string> writes;
  writes.push_back(db::orders::mark_cancelled_sql(saga.order_id, saga.id, paid));
  // The refund is owed from this commit on: its log row commits with it.
  if (paid)
    writes.push_back(log_sql::insert_sql(saga, options_.node_id, log_sql::State::kRefundDue));
  for (auto& s : idempotency_.store_sql(key, answer, found))
    writes.push_back(std::move(s));
  if (paid) saga.phase = Phase::kCancelling;
  co_await txn.commit(std::move(writes));
  if (paid) {
    saga.phase = Phase::kRefundDue;
    saga.first_step_committed = clock_.now();
  }
  co_return CancelOutcome{paid ? Cancelled::kWasPaid : Cancelled::kWasPending, answer};
}

asio::awaitable<bool> SagaSteps::settle_cancel(const Saga& saga) {
  std::vector<std::string> reads;
  reads.push_back(db::orders::lock_order_sql(saga.order_id));
  LocalTransaction txn =
      co_await LocalTransaction::begin(orders_, deadline(), marker_, std::move(reads));
  auto order = db::orders::order_from(*txn.reads().at(0));
  co_await txn.rollback();
  co_return order && order->cancel_txn_id == saga.id;
}

asio::awaitable<bool> SagaSteps::refund(const Saga& saga) {
  std::vector<std::string> reads;
  reads.push_back(lock_account_sql(saga.account_id));
  reads.push_back(lock_payment_sql(saga.order_id));
  LocalTransaction txn =
      co_await LocalTransaction::begin(payments_, deadline(), marker_, std::move(reads));
  const db::Rows& payment = *txn.reads().at(1);
  XA_CHECK(!payment.empty(),
           order_text(saga.order_id) + " was PAID without a payment (saga " + saga.id + ")");
  const std::string& status = db::as_string(payment[0], 0);
  if (status == "REFUNDED") {
    XA_CHECK(payment[0][2] == saga.id, "the payment of " + order_text(saga.order_id) +
                                           " was refunded by " + payment[0][2].value_or("?") +
                                           ", not by its cancel " + saga.id);
    co_await txn.rollback();
    co_return false;
  }
  XA_CHECK(status == "CAPTURED", "the payment of " + order_text(saga.order_id) + " is " + status);
  std::vector<std::string> refund =
      db::payments::refund_sql(saga.order_id, saga.account_id, saga.amount_cents, saga.id);
  db::Results results = co_await txn.run(std::move(refund));
  XA_CHECK(db::payments::refund_done(*results.back(), saga.account_id, saga.amount_cents, saga.id),
           "the refund of " + order_text(saga.order_id) + " (saga " + saga.id +
               ") did not refund its payment");
  std::vector<std::string> nothing_more;
  co_await txn.commit(std::move(nothing_more));
  co_return true;
}

}  // namespace xacoord::saga
